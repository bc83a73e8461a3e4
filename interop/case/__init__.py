"""CASE 1.0 and 1.1 (Competencies and Academic Standards Exchange) packages in and out.

``reading``
    a CFPackage (JSON) read into its document, items and tree (``isChildOf``).
``levels``
    the tree, of any depth, onto masterycat's three levels (competency >
    indicator > objective), by depth or by CFItemType.
``importing``
    the package written into the standards, updating and retiring by identifier.
``exporting``
    a framework as a CASE 1.1 CFPackage.
"""
