"""What the office keeps and reads back: the files earlier runs wrote, read as data.

Modules: format (the sheets, headers and CSV columns a writer and a reader must agree on, and the ``'`` taken
off text read back), approved (an earlier batch's approved.xlsx as the table of awards fixed in the next
batch), folder (ResultFolder: the one reader of a result folder, behind the ResultStore protocol a register
can stand beside). Read before the allocation, which fixes those awards.
"""

__all__ = ["approved", "folder", "format"]
