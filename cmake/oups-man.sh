#!/bin/sh
# cmake/oups-man.sh OUPS_BINARY OUT_DIR: man pages generated from the CLI's own --help text (the
# one source of truth), so they cannot drift from it: oups.1 from `oups --help`, and one page
# oups-<command>.1 per command listed there, from `oups <command> --help`.
set -eu
bin=$1; out=$2
mkdir -p "$out"
version=$("$bin" --version | awk '{print $2}')
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%d 2>/dev/null || echo 1970-01-01)
page() { # name, one-line description, help text file
  {
    printf '.TH %s 1 "%s" "oups %s" "oups manual"\n' "$(echo "$1" | tr a-z A-Z)" "$date" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$1" "$2"
    printf '.SH DESCRIPTION\n.nf\n'
    sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" "$3"
    printf '.fi\n.SH EXIT STATUS\n0 success, 1 runtime error, 2 usage error.\n'
    printf '.SH SEE ALSO\n%s\n' "$4"
  } > "$out/$1.1"
}
"$bin" --help > "$out/.help"
cmds=$(awk '/^commands:/{p=1;next} p && /^  [a-z]/{print $1} p && /^$/{p=0}' "$out/.help")
see=""
for c in $cmds; do see="$see${see:+, }oups-$c(1)"; done
page oups "ordered parquet datasets and stateful processing of ordered data" "$out/.help" "$see"
for c in $cmds; do
  "$bin" "$c" --help > "$out/.help-$c"
  desc=$(awk -v c="$c" '$1 == c {sub(/^ *[a-z-]+ +/, ""); print; exit}' "$out/.help")
  page "oups-$c" "$desc" "$out/.help-$c" "oups(1)"
  rm -f "$out/.help-$c"
done
rm -f "$out/.help"
