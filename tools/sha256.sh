#!/bin/sh
# sha256.sh FILE - print FILE's sha256 in lowercase hex, asking what the
# system has: GNU sha256sum, then macOS's shasum, then openssl.
if command -v sha256sum >/dev/null 2>&1; then
	sha256sum "$1" | cut -d' ' -f1
elif command -v shasum >/dev/null 2>&1; then
	shasum -a 256 "$1" | cut -d' ' -f1
else
	openssl dgst -sha256 "$1" | sed 's/^.*= *//'
fi
