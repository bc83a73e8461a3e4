"""The demo district: a real-looking bank, its history, a school and demo logins.

A layer of its own above the item bank (it uses :mod:`engine` and
:mod:`itembank`, never the service or the command line):

- :mod:`demo.content`: the CCSS Grade 7 mathematics framework and about 580
  items generated from templates, written in the bank's vocabulary;
- :mod:`demo.district`: :func:`~demo.district.seed_demo`, which stores that
  content, simulates a response history, calibrates it and opens a school
  (``masterycat serve --demo``).
"""
