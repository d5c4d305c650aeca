// Package distconsts stands in for dagger's nested module of the same name,
// which the Go module proxy does not serve. It holds only the names the
// engine and CLI refer to; the paths match our engine image layout
// (offline-engine/engine-image.sh).
package distconsts

// Engine container and socket defaults.
const (
	EngineContainerName   = "dagger-engine.dev"
	DefaultEngineSockAddr = "unix:///run/dagger/engine.sock"
)

// Paths inside the engine image.
const (
	RuncPath                         = "/usr/local/bin/runc"
	DaggerInitPath                   = "/usr/local/bin/dagger-init"
	EngineDefaultStateDir            = "/var/lib/dagger"
	EngineContainerBuiltinContentDir = "/usr/local/share/dagger/content"
	EngineCustomCACertsDir           = "/usr/local/share/ca-certificates"
)

// Environment variables naming the digests of SDKs bundled in the image.
// Our image bundles none, so they stay unset.
const (
	GoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
	PythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"
)

// Registry images some core operations use; unreachable offline.
const (
	AlpineVersion = "3.22.1"
	AlpineImage   = "alpine:" + AlpineVersion
	GolangImage   = "golang:1.25.3-alpine"
	BusyboxImage  = "busybox:1.37.0"
)

// OCIVersionAnnotation is the standard OCI image version annotation.
const OCIVersionAnnotation = "org.opencontainers.image.version"
