"""District interoperability: rosters, standards and items in and out through open standards.

``interop.oneroster``
    OneRoster 1.1 and 1.2 CSV rosters (bulk and delta) into schools, terms,
    courses, classes, people, logins and enrollments.

Every import reads a whole file or package first and refuses it whole
(:class:`interop.errors.ImportRefused`, naming file, line and column) when
it is not unambiguous; it writes through the caller's session and never
commits, so an import is one transaction and a dry run is the same import
rolled back.  Packages are read by :mod:`interop.package`, which refuses
hostile archives.

The layer sits above :mod:`itembank` and beside :mod:`reporting` and
:mod:`demo`; the CLI and the service call it.
"""
