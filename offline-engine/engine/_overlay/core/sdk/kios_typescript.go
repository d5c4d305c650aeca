// kiOS addition to the engine (built in through `go build -overlay`, see
// offline-engine/engine-build.sh): the "typescript" SDK without a registry.
//
// The stock TypeScript SDK is a Go-SDK module whose runtime pulls node and bun
// images by digest. This one is native, like the engine's Go SDK: the runtime
// container starts from built-in content (Debian's Node.js with the Dagger
// TypeScript SDK, tsx and npm in /opt/kios-ts, made by
// offline-engine/typescript-runtime.sh), installs the module's npm dependencies once per
// module source, and runs the SDK's own entrypoint() on the module's files.

package sdk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"dagger.io/dagger/telemetry"
	"github.com/dagger/dagger/core"
	"github.com/dagger/dagger/dagql"
)

// KiosTypescriptRuntimeDigestEnvName names the manifest digest of the runtime image in the built-in content store.
const KiosTypescriptRuntimeDigestEnvName = "KIOS_TYPESCRIPT_RUNTIME_MANIFEST_DIGEST"

const kiosTypescriptModuleRoot = "/src"

// Where the runtime container sees the introspection JSON of a module's dependencies (as the stock SDKs).
const kiosTypescriptSchemaPath = "/schema.json"

type kiosTypescriptSDK struct {
	root      *core.Query
	rawConfig map[string]any
}

func (sdk *kiosTypescriptSDK) AsRuntime() (core.Runtime, bool)                 { return sdk, true }
func (sdk *kiosTypescriptSDK) AsModuleTypes() (core.ModuleTypes, bool)         { return nil, false }
func (sdk *kiosTypescriptSDK) AsCodeGenerator() (core.CodeGenerator, bool)     { return nil, false }
func (sdk *kiosTypescriptSDK) AsClientGenerator() (core.ClientGenerator, bool) { return nil, false }

func stringArg(name, value string) dagql.NamedInput {
	return dagql.NamedInput{Name: name, Value: dagql.NewString(value)}
}

func stringsArg(name string, values ...string) dagql.NamedInput {
	list := dagql.ArrayInput[dagql.String]{}
	for _, v := range values {
		list = append(list, dagql.String(v))
	}
	return dagql.NamedInput{Name: name, Value: list}
}

func (sdk *kiosTypescriptSDK) Runtime(
	ctx context.Context,
	deps *core.ModDeps,
	source dagql.ObjectResult[*core.ModuleSource],
) (inst dagql.ObjectResult[*core.Container], rerr error) {
	ctx, span := core.Tracer(ctx).Start(ctx, "kiOS TypeScript SDK: load runtime")
	defer telemetry.EndWithCause(span, &rerr)

	if len(sdk.rawConfig) > 0 {
		keys := make([]string, 0, len(sdk.rawConfig))
		for k := range sdk.rawConfig {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return inst, fmt.Errorf("the kiOS TypeScript SDK takes no sdk config, found keys %v in dagger.json", keys)
	}
	digest := os.Getenv(KiosTypescriptRuntimeDigestEnvName)
	if digest == "" {
		return inst, fmt.Errorf("this engine carries no TypeScript runtime: %s is unset (offline-engine/engine-image.sh sets it)", KiosTypescriptRuntimeDigestEnvName)
	}
	dag, err := sdk.root.Server.Server(ctx)
	if err != nil {
		return inst, fmt.Errorf("failed to get dag for the TypeScript runtime: %w", err)
	}

	var ctr dagql.ObjectResult[*core.Container]
	if err := dag.Select(ctx, dag.Root(), &ctr, dagql.Selector{
		Field: "_builtinContainer",
		Args:  []dagql.NamedInput{stringArg("digest", digest)},
	}); err != nil {
		return inst, fmt.Errorf("failed to load the TypeScript runtime image %s: %w", digest, err)
	}
	var npmCache dagql.Result[*core.CacheVolume]
	if err := dag.Select(ctx, dag.Root(), &npmCache, dagql.Selector{
		Field: "cacheVolume",
		Args:  []dagql.NamedInput{stringArg("key", "kios-typescript-npm"), stringArg("namespace", "internal")},
	}); err != nil {
		return inst, fmt.Errorf("failed to get the npm cache volume: %w", err)
	}

	moduleDir := filepath.Join(kiosTypescriptModuleRoot, source.Self().SourceSubpath)
	selectors := []dagql.Selector{
		dagql.Selector{Field: "withMountedDirectory", Args: []dagql.NamedInput{
			stringArg("path", kiosTypescriptModuleRoot),
			{Name: "source", Value: dagql.NewID[*core.Directory](source.Self().ContextDirectory.ID())},
		}},
		dagql.Selector{Field: "withMountedCache", Args: []dagql.NamedInput{
			stringArg("path", "/root/.npm"),
			{Name: "cache", Value: dagql.NewID[*core.CacheVolume](npmCache.ID())},
			{Name: "sharing", Value: core.CacheSharingModeShared},
		}},
		dagql.Selector{Field: "withEnvVariable", Args: []dagql.NamedInput{
			stringArg("name", "KIOS_TS_MODULE_DIR"), stringArg("value", moduleDir),
		}},
		dagql.Selector{Field: "withWorkdir", Args: []dagql.NamedInput{stringArg("path", moduleDir)}},
		dagql.Selector{Field: "withExec", Args: []dagql.NamedInput{stringsArg("args", "/opt/kios-ts/prepare")}},
	}
	// A module with dagger.json dependencies gets their bindings (dag.<dep>()),
	// generated after npm install so that a changed dependency re-runs only
	// this step. Without dependencies the SDK's core-only client serves.
	if kiosTypescriptHasModuleDeps(deps) {
		schema, err := deps.SchemaIntrospectionJSONFileForModule(ctx)
		if err != nil {
			return inst, fmt.Errorf("failed to get the schema of the dependencies of %s: %w", moduleDir, err)
		}
		selectors = append(selectors,
			dagql.Selector{Field: "withMountedFile", Args: []dagql.NamedInput{
				stringArg("path", kiosTypescriptSchemaPath),
				{Name: "source", Value: dagql.NewID[*core.File](schema.ID())},
			}},
			dagql.Selector{Field: "withExec", Args: []dagql.NamedInput{
				stringsArg("args", "/opt/kios-ts/generate", source.Self().ModuleOriginalName),
			}},
			dagql.Selector{Field: "withoutMount", Args: []dagql.NamedInput{stringArg("path", kiosTypescriptSchemaPath)}},
		)
	}
	selectors = append(selectors,
		// The module's code gets no handle on the shared cache.
		dagql.Selector{Field: "withoutMount", Args: []dagql.NamedInput{stringArg("path", "/root/.npm")}},
		dagql.Selector{Field: "withEntrypoint", Args: []dagql.NamedInput{stringsArg("args", "/opt/kios-ts/run")}},
		dagql.Selector{Field: "withWorkdir", Args: []dagql.NamedInput{stringArg("path", RuntimeWorkdirPath)}},
	)
	if err := dag.Select(ctx, ctr, &ctr, selectors...); err != nil {
		return inst, fmt.Errorf("failed to prepare the TypeScript runtime for %s: %w", moduleDir, err)
	}
	return ctr, nil
}

// kiosTypescriptHasModuleDeps tells whether deps holds a module besides core
// (core is a *schema.CoreMod; dagger.json dependencies are *core.Module).
func kiosTypescriptHasModuleDeps(deps *core.ModDeps) bool {
	for _, mod := range deps.Mods {
		if _, ok := mod.(*core.Module); ok {
			return true
		}
	}
	return false
}
