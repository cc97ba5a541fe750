"""Paper and pictures: PDF bills (reportlab), report workbooks (openpyxl) and charts
(matplotlib `Figure`, no pyplot state). Everything here takes plain data (frozen
dataclasses and domain types) and never reaches the database: services load, reports draw."""
