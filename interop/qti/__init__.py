"""QTI items in and out: QTI 3.0 (import and export), QTI 2.1 and 2.2 (import), Canvas's QTI 1.2 (import).

``xml``
    XML parsed without loading a DTD, external entities or anything from the network.
``model``
    an item as read from any QTI version, in the bank's vocabulary.
``body``
    an item body as the bank's stem: sanitized XHTML (images, MathML, the places of blanks) and text.
``qti2``
    QTI 2.1, 2.2 and 3.0 assessment items (3.0's names read as 2.x's).
``canvas``
    Canvas's classic quiz export (QTI 1.2).
``importing``
    single files and IMS content packages into the bank: items, media, standards alignment.
``exporting``
    a QTI 3.0 content package of any selection of the bank, with usage data.
"""
