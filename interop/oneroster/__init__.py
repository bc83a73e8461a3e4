"""OneRoster 1.1 and 1.2 CSV rosters: :func:`interop.oneroster.importing.import_roster`.

``files``
    the CSV files of the specification: their columns, required columns and
    vocabularies.
``reading``
    a package's files read into typed records, checked on their own.
``importing``
    the records written into the district: created, updated, retired.
"""
