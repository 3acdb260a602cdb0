#!/bin/bash -eu
# ClusterFuzzLite runs this as $SRC/build.sh; the build itself is the same as OSS-Fuzz's.
exec bash -eu "$SRC/switchyard/oss-fuzz/build.sh"
