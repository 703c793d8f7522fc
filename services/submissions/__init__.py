"""Submitted tools: a verified user proposes a tool (``intake``), staff edit, approve or reject it (``review``).

The address is the identity: ``services.urls.normalize_url`` decides whether a submission repeats a
tool or another submission, here and in the staff queue alike.
"""
