"""Private files (evidence, reports) leave the site only through here, after a permission check."""

from django.http import FileResponse, Http404


def private_file_response(file, *, filename, content_type):
    """The stored `file` as a download that no browser runs, sniffs or shares from its cache."""
    try:
        # Through the storage, so the response knows the file's path and length.
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private"
    return response
