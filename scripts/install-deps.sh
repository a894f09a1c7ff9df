#!/usr/bin/env bash
# Install the Debian packages that building, running and testing library-api need.
#
# Idempotent: installs only the packages that are missing (checked with dpkg -s), and runs
# `apt-get update` only when something is to be installed. It never starts or enables a system
# service: while apt runs, a policy-rc.d that answers 101 ("action forbidden") is in place, so the
# maintainer scripts of mariadb-server, memcached, nginx and lighttpd leave their daemons stopped.
# The local stack (tools/devstack) runs private instances of each of them instead.
set -euo pipefail

packages=(
    # build: headers and pkg-config files of the C libraries the Swift targets wrap
    make pkg-config libfcgi-dev libfcgi-bin libmariadb-dev libssl-dev libmemcached-dev
    # run: database, cache, process manager, web servers
    mariadb-server mariadb-client memcached nginx lighttpd spawn-fcgi multiwatch
    # the local Galera cluster (make cluster, make test-cluster): the provider and rsync SST
    galera-4 rsync
    # test and measure
    curl wrk valgrind python3 python3-pytest python3-requests
    # static checks of conf/: `systemd-analyze verify` of the units, `promtool check rules`
    systemd prometheus
)

missing=()
for pkg in "${packages[@]}"; do
    # dpkg -s also knows packages that were removed but left their config ("deinstall"):
    # only "install ok installed" counts.
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
else
    sudo=
fi

echo "install-deps: installing ${missing[*]}"

# Forbid service starts for the duration of the install; restore whatever was there before.
policy=/usr/sbin/policy-rc.d
backup=
if [ -e "$policy" ]; then
    backup=$(mktemp)
    $sudo cp -p "$policy" "$backup"
fi
restore_policy() {
    if [ -n "$backup" ]; then
        $sudo cp -p "$backup" "$policy"
        rm -f "$backup"
    else
        $sudo rm -f "$policy"
    fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# installed by library-api scripts/install-deps.sh while apt runs\nexit 101\n' \
    | $sudo tee "$policy" >/dev/null
$sudo chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
