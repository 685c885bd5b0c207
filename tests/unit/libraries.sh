#!/bin/bash
# What each program of uctr loads at every start: every library costs each
# call its loading (GIO with GObject a few milliseconds here). uctr and
# uctr-net load no GIO, GObject or json-glib; GDBus comes with
# uctr-systemd.so, loaded only to ask systemd, which exports one symbol.
# usage: libraries.sh UCTR UCTR_NET UCTR_SYSTEMD
set -u
uctr=$1 net=$2 systemd=$3
. "$(dirname "$0")/tap.sh"

# needed FILE: the libraries FILE names (DT_NEEDED), one per line.
needed () { LC_ALL=C readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
# exported FILE: the symbols FILE defines for others, one per line.
exported () { LC_ALL=C readelf --dyn-syms -W "$1" | awk '$7 != "UND" && $5 == "GLOBAL" {print $8}'; }

for prog in "$uctr" "$net"; do
  name=$(basename "$prog")
  libs=$(needed "$prog")
  is "$(grep -c '^libglib-2.0' <<<"$libs")" 1 "$name names its libraries (GLib among them)"
  is "$(grep -E '^lib(gio|gobject|json-glib|gmodule)-' <<<"$libs")" "" "$name loads no GIO, GObject, GModule or json-glib"
done
is "$(needed "$uctr" | grep -c '^libslirp')" 0 "uctr loads no libslirp (uctr-net does)"
is "$(needed "$net" | grep -c '^libslirp')" 1 "uctr-net loads libslirp"
is "$(needed "$uctr" | grep -c '^libjson-c')" 1 "uctr reads JSON with json-c"
is "$(needed "$systemd" | grep -c '^libgio-2.0')" 1 "uctr-systemd.so loads GIO (GDBus)"
is "$(exported "$systemd" | sort -u)" "uctr_systemd_dbus" "uctr-systemd.so exports uctr_systemd_dbus alone"

tap_done
