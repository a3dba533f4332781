#!/bin/sh
# deps.sh -- install the system packages neobay needs, only those that are missing.
# Called by `make run` and `make test`.  Needs root (apt-get) only when something is
# missing; set NB_NO_DEPS=1 to skip it on a cluster where modules provide the libraries.
set -eu
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
have_py() { /usr/bin/python3 -c "import $1" 2>/dev/null; }
command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || need="$need build-essential"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
have_pc gsl         || need="$need libgsl-dev"
have_pc hdf5-serial || need="$need libhdf5-dev"
command -v h5dump >/dev/null 2>&1 || need="$need hdf5-tools"
# For tests/e2e/test_cf.py: ncdump -t decodes the CF time axis of a run file.
command -v ncdump >/dev/null 2>&1 || need="$need netcdf-bin"
have_pc libfyaml    || need="$need libfyaml-dev"
have_pc cmocka      || need="$need libcmocka-dev"
# For tests/e2e/test_cf.py: every units attribute is parsed by UDUNITS-2 itself
# (udunits-bin brings libudunits2-0 and the unit database the test loads).
command -v udunits2 >/dev/null 2>&1 || need="$need udunits-bin"
command -v mpicc >/dev/null 2>&1 || need="$need libopenmpi-dev openmpi-bin"
have_py h5py        || need="$need python3-h5py"
have_py h5netcdf    || need="$need python3-h5netcdf"
have_py xarray      || need="$need python3-xarray"
have_py pandas      || need="$need python3-pandas"
have_py matplotlib  || need="$need python3-matplotlib"
have_py pytest      || need="$need python3-pytest"
have_py yaml        || need="$need python3-yaml"
have_py nbformat    || need="$need python3-nbformat"
have_py nbclient    || need="$need python3-nbclient"
have_py ipykernel   || need="$need python3-ipykernel"
command -v jupyter-nbconvert >/dev/null 2>&1 || need="$need jupyter-nbconvert"
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need="$need fonts-wqy-microhei"
# For tests/e2e/test_slurm.py (a private single-node cluster, cluster/local-slurm.sh).
command -v slurmctld >/dev/null 2>&1 || [ -x /usr/sbin/slurmctld ] || need="$need slurm-wlm"
command -v munged >/dev/null 2>&1 || [ -x /usr/sbin/munged ] || need="$need munge"
[ -z "$need" ] && exit 0
echo "deps.sh: installing:$need"
if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: error: these Debian packages are missing and installing them needs root:$need" >&2
    echo "deps.sh: install them, or build with NB_NO_DEPS=1 and HDF5_DIR/GSL_DIR/FYAML_DIR" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
