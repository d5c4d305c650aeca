// Command kios-store-normalize makes containerd's bolt databases under a
// directory the same on every build of the same images: each createdat and
// updatedat value becomes SOURCE_DATE_EPOCH, and each database is copied key
// by key (bolt keeps keys sorted) into a fresh file, so its page layout no
// longer depends on the order containerd wrote things in. Each bucket is
// copied in a transaction of its own: bolt writes the buckets changed in one
// transaction in Go's random map order, so one changed bucket per
// transaction is what makes the layout the same on every run.
// It is built inside containerd's module, whose go.mod pins bbolt.
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var timestampKeys = [][]byte{[]byte("createdat"), []byte("updatedat")}

func main() {
	if len(os.Args) != 2 {
		fail("usage: kios-store-normalize DIR (SOURCE_DATE_EPOCH set)")
	}
	epoch, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil {
		fail("SOURCE_DATE_EPOCH: %v", err)
	}
	stamp, err := time.Unix(epoch, 0).UTC().MarshalBinary()
	if err != nil {
		fail("%v", err)
	}
	count := 0
	err = filepath.WalkDir(os.Args[1], func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !strings.HasSuffix(path, ".db") {
			return err
		}
		count++
		return normalize(path, stamp)
	})
	if err != nil {
		fail("%v", err)
	}
	fmt.Printf("kios-store-normalize: %d bolt databases rewritten\n", count)
}

func normalize(path string, stamp []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	src, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer src.Close()
	tmp := path + ".normalized"
	os.Remove(tmp)
	// No fsync per transaction: the file is closed and renamed at the end.
	dst, err := bolt.Open(tmp, info.Mode().Perm(), &bolt.Options{NoSync: true})
	if err != nil {
		return fmt.Errorf("%s: %w", tmp, err)
	}
	err = copyTree(src, dst, nil, stamp)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// copyTree copies the bucket at path (the root: nil) and, after it, each of
// its child buckets in key order, one transaction per bucket.
func copyTree(src, dst *bolt.DB, path [][]byte, stamp []byte) error {
	var children [][]byte
	err := src.View(func(stx *bolt.Tx) error {
		if len(path) == 0 {
			return stx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				children = append(children, bytes.Clone(name))
				return nil
			})
		}
		from := stx.Bucket(path[0])
		for _, name := range path[1:] {
			from = from.Bucket(name)
		}
		return dst.Update(func(dtx *bolt.Tx) error {
			to, err := createBucket(dtx, path)
			if err != nil {
				return err
			}
			if err := to.SetSequence(from.Sequence()); err != nil {
				return err
			}
			c := from.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if v == nil {
					children = append(children, bytes.Clone(k))
					continue
				}
				if isTimestamp(k) {
					v = stamp
				}
				if err := to.Put(k, v); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, name := range children {
		if err := copyTree(src, dst, append(append([][]byte{}, path...), name), stamp); err != nil {
			return err
		}
	}
	return nil
}

// createBucket makes the bucket at path, its parents already there.
func createBucket(tx *bolt.Tx, path [][]byte) (*bolt.Bucket, error) {
	if len(path) == 1 {
		return tx.CreateBucket(path[0])
	}
	parent := tx.Bucket(path[0])
	for _, name := range path[1 : len(path)-1] {
		parent = parent.Bucket(name)
	}
	return parent.CreateBucket(path[len(path)-1])
}

func isTimestamp(key []byte) bool {
	for _, t := range timestampKeys {
		if bytes.Equal(key, t) {
			return true
		}
	}
	return false
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kios-store-normalize: "+format+"\n", args...)
	os.Exit(1)
}
