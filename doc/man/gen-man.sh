#!/bin/sh
# gen-man.sh KSTEP IN OUT VERSION: a man page from its source in doc/man: the
# line @OPTIONS@ becomes what `kstep help --man COMMAND` writes (the options
# table, or the command's help), @VERSION@ the package version. One source
# for the help and the man page: they cannot drift apart.
set -e
kstep=$1 in=$2 out=$3 version=$4
name=$(basename "$in" .in)
cmd=${name%.[0-9]}
cmd=${cmd#kstep}
cmd=${cmd#-}
opts=$out.opts
if grep -q '^@OPTIONS@$' "$in"; then
	"$kstep" help --man $cmd > "$opts"
else
	: > "$opts"
fi
awk -v opts="$opts" -v version="$version" '
	/^@OPTIONS@$/ { while ((getline l < opts) > 0) print l; next }
	{ gsub("@VERSION@", version); print }' "$in" > "$out.tmp"
rm -f "$opts"
mv "$out.tmp" "$out"
