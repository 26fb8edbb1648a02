"""The package's files (its metadata is in pyproject.toml). The site's templates, static files
and migrations sit beside the package in a checkout; an installed package carries them inside,
as ``jobboard/templates``, ``jobboard/static`` and ``jobboard/migrations`` (see ``jobboard.site_folder``)."""

from setuptools import find_namespace_packages, setup

CARRIED = {"jobboard.templates": "templates", "jobboard.static": "static", "jobboard.migrations": "migrations"}
# Folders of data (translations, templates…) are listed as packages all the same: setuptools warns
# of any folder it is not told about.
CARRIED_FOLDERS = [
    f"{package}.{folder}"
    for package, path in CARRIED.items()
    for folder in find_namespace_packages(where=path, exclude=["*__pycache__*"])
]

setup(
    packages=[
        *find_namespace_packages(include=["jobboard", "jobboard.*"], exclude=["*__pycache__*"]),
        *CARRIED,
        *CARRIED_FOLDERS,
    ],
    package_dir=CARRIED,  # their files are listed in pyproject.toml's package-data
)
