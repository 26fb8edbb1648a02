"""The package's files (its metadata is in pyproject.toml). The site's templates, static files
and migrations sit beside the package in a checkout; an installed package carries them inside,
as ``jobboard/templates``, ``jobboard/static`` and ``jobboard/migrations`` (see ``jobboard.site_folder``)."""

from setuptools import find_packages, setup

CARRIED = {"jobboard.templates": "templates", "jobboard.static": "static", "jobboard.migrations": "migrations"}

setup(
    packages=[*find_packages(include=["jobboard", "jobboard.*"]), *CARRIED],
    package_dir=CARRIED,  # their files are listed in pyproject.toml's package-data
)
