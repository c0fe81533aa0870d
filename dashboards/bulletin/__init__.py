"""The quarterly bulletin (季度工作通报) for the leading group: the quarter's work in
figures, funds granted per programme, verification timeliness per department, referrals,
decisions carried out; as a printable page and a Word file in the official layout, the
charts drawn on the server."""
