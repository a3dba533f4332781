"""neobay_py -- open neobay's results files and draw the standard figures.

    from neobay_py import io, figures
    run = io.open_run("output/baseline.h5")
    fig = figures.fan_outcomes(run)
    fig.savefig("outcomes.png", **figures.SAVE)

Plain modules on Debian's python3-h5py, -xarray, -h5netcdf, -pandas and -matplotlib
(use /usr/bin/python3).  io: the readers and NeobayFileError; figures: one function
per standard figure, each returning a matplotlib Figure; labels: bilingual labels.
"""
from .io import NeobayFileError  # noqa: F401

__all__ = ["io", "figures", "labels", "NeobayFileError"]
