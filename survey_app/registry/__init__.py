"""The survey registry: definitions loaded from surveys/ into versions, and read back.

Every area that needs a survey (the catalog pages, polls, exports, reports, the CLI) comes
here rather than reaching into another area's services.
"""
