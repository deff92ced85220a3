#!/bin/sh
# setup-debian.sh - install what plistinject needs to build and test on Debian
# 12 (run as root).  Build: autotools, a C compiler, libplist, OpenSSL, jansson.
# Tests: clang-14 and lld-14 (fixtures), llvm-14 (otool/objdump/nm oracles),
# liblief-dev (independent parser), python3 (machodiff.py), npm (corpus),
# openssl (the certificate tests' PKI, TSA and verifiers), valgrind and strace
# (memory and system-call checks), xfsprogs (mkfs.xfs for the extent-sharing
# test and bench on a loop-mounted XFS image); dash, devscripts' checkbashisms
# and shellcheck (the build and install scripts keep to POSIX sh).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt="apt-get -o DPkg::Lock::Timeout=600"
$apt update -qq
$apt install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config libplist-dev libssl-dev libjansson-dev \
	clang-14 lld-14 llvm-14 liblief-dev python3 python3-yaml openssl valgrind strace xfsprogs ruby ca-certificates \
	dash devscripts shellcheck >/dev/null
command -v npm >/dev/null 2>&1 || $apt install -y -qq --no-install-recommends npm >/dev/null
echo "setup-debian: done"
