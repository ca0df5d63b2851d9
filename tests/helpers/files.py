"""Real, minimal files for uploads: the evidence checks read them as their type does."""

import io

from pypdf import PdfWriter


def pdf_bytes(padding=0):
    """A one-page PDF that pypdf reads, with `padding` characters more in its metadata."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Padding": "x" * padding})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_of_size(size):
    """A one-page PDF of exactly `size` bytes (the cross-reference offsets grow a digit now and then,
    so the padding is found in a few tries)."""
    padding = size - len(pdf_bytes())
    for _try in range(10):
        data = pdf_bytes(padding)
        if len(data) == size:
            return data
        padding -= len(data) - size
    raise ValueError(f"no PDF of exactly {size} bytes")


PDF = pdf_bytes()
