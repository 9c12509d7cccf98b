"""Reading the one error shape in tests (issue 18 item 4)."""


def row_errors(body: dict) -> list[dict]:
    """A rejected file's rows (`fields.file`, code `invalid_row`) as {row, column, reason}."""
    return [{"row": error["row"], "column": error["column"], "reason": error["message"]}
            for error in body["fields"].get("file", []) if error["code"] == "invalid_row"]
