#!/bin/bash
# local-slurm.sh -- a private single-node Slurm cluster (munge + slurmctld + slurmd) for
# testing the job templates on one machine.  Not for production: it runs everything
# as root, without accounting, under one directory.
#
#   cluster/local-slurm.sh start DIR   bring it up under DIR (created); waits until
#                                      `sinfo` says the node is idle; prints the line
#                                      to use it:  export SLURM_CONF=DIR/slurm.conf
#   cluster/local-slurm.sh stop DIR    stop the daemons by the PIDs in their pid files
#
# NB_SLURM_PORT (default 6817) sets slurmctld's port; slurmd uses the next one.
#
# Needs root and Debian's slurm-wlm and munge packages (tools/deps.sh installs them).
# The recipe (measured on Debian 12, Slurm 22.05, 2 cores):
#   - munge: a private root-owned key (mode 0600), a socket directory of mode 0711
#     (/tmp/neobay-munge.XXXXXX, removed by stop), munged with --socket, --key-file,
#     --log-file, --pid-file, --seed-file (all but the socket under DIR/munge);
#   - slurm.conf: SlurmUser/SlurmdUser root, auth/munge pointed at that socket,
#     proctrack/linuxproc (proctrack/cgroup does not work in containers: jobs then
#     report COMPLETED without having run), task/none, select/cons_tres with CR_Core,
#     no accounting (so `sacct` does not work: use squeue, scontrol, sbatch --wait
#     and the jobs' output files), MpiDefault=pmix, one node with the machine's CPUs
#     and MemTotal - 512 MB, one default partition whose jobs may oversubscribe
#     (OverSubscribe=YES; a job still needs `-O` to run more tasks than CPUs).
# Exit status: 0; 1 with a message on stderr when a daemon does not start (its log is
# printed) or the node does not become idle within 60 s.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac

# Stop the daemon whose pid file is $1 (TERM, then KILL after 10 s).  Only that PID.
stop_pid() {
    local pidfile=$1 pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$pidfile"
}

stop() {
    # Jobs still running would leave slurmstepd processes behind: cancel this
    # cluster's jobs first (best effort), then slurmd (it reports to slurmctld),
    # slurmctld, and munged last (both use it).
    if [ -s "$dir/run/slurmctld.pid" ] && kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
        SLURM_CONF="$dir/slurm.conf" timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
        for _ in $(seq 50); do
            [ -z "$(SLURM_CONF="$dir/slurm.conf" timeout 5 squeue -h 2>/dev/null || true)" ] && break
            sleep 0.2
        done
    fi
    stop_pid "$dir/run/slurmd.pid"
    stop_pid "$dir/run/slurmctld.pid"
    stop_pid "$dir/munge/munged.pid"
    if [ -s "$dir/munge/socket-dir" ]; then
        local sockdir
        sockdir=$(cat "$dir/munge/socket-dir")
        case "$sockdir" in /tmp/neobay-munge.*) rm -rf "$sockdir" ;; esac
        rm -f "$dir/munge/socket-dir"
    fi
}

fail() {
    echo "local-slurm: error: $1" >&2
    for log in "$dir"/log/*.log "$dir"/munge/munged.log; do
        [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
    stop
    exit 1
}

start() {
    for prog in munged mungekey slurmctld slurmd sinfo; do
        command -v "$prog" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
        command -v "$prog" >/dev/null 2>&1 ||
            { echo "local-slurm: error: $prog not found (install slurm-wlm and munge)" >&2; exit 1; }
    done
    [ "$(id -u)" = 0 ] || { echo "local-slurm: error: needs root (SlurmUser=root)" >&2; exit 1; }
    mkdir -p "$dir"/{munge,run,log,state,spool}
    chmod 0700 "$dir/munge"               # the key, the seed, the log, the pid file
    stop                                   # leftovers of an earlier start in DIR
    # munged wants every directory above its socket searchable by all, which a
    # private DIR (pytest's tmp is 0700) is not: the socket gets its own directory
    # in /tmp (short paths too: a socket path has at most 107 bytes).
    local sockdir
    sockdir=$(mktemp -d /tmp/neobay-munge.XXXXXX)
    chmod 0711 "$sockdir"
    echo "$sockdir" > "$dir/munge/socket-dir"

    # ---- munge
    local key="$dir/munge/munge.key" sock="$sockdir/munge.socket"
    [ -s "$key" ] || mungekey --create --keyfile="$key"
    chown root:root "$key"
    chmod 0600 "$key"
    munged --socket="$sock" --key-file="$key" --log-file="$dir/munge/munged.log" \
           --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" ||
        fail "munged did not start"

    # ---- slurm.conf
    local cpus mem port=${NB_SLURM_PORT:-6817}
    cpus=$(nproc)
    mem=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 - 512 ))
    cat > "$dir/slurm.conf" <<EOF
# Generated by cluster/local-slurm.sh: a private single-node test cluster.
ClusterName=neobaytest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
MinJobAge=600
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
    export SLURM_CONF="$dir/slurm.conf"

    # ---- daemons
    slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start"
    for _ in $(seq 50); do [ -s "$dir/run/slurmctld.pid" ] && break; sleep 0.1; done
    slurmd -N localhost -f "$SLURM_CONF" || fail "slurmd did not start"

    # ---- wait for the node
    local state=""
    for _ in $(seq 120); do
        state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
        case "$state" in idle|mix|alloc) break ;; esac
        sleep 0.5
    done
    case "$state" in
        idle|mix|alloc) ;;
        *) fail "the node did not become idle within 60 s (sinfo says '${state:-nothing}')" ;;
    esac
    echo "export SLURM_CONF=$SLURM_CONF"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
