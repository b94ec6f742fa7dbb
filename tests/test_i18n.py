from pathlib import Path

import guanxi

CATALOG = Path(guanxi.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of a .po file, read plainly."""
    found: list[tuple[str, str, bool]] = []
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for block in blocks[1:]:  # the first block is the header
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid = _field(lines, "msgid ")
        msgstr = _field(lines, "msgstr ") or _field(lines, "msgstr[0] ")
        found.append((msgid, msgstr, fuzzy))
    return found


def _field(lines: list[str], key: str) -> str:
    value, reading = "", False
    for line in lines:
        if line.startswith(key):
            value, reading = line[len(key) :].strip('"'), True
        elif reading and line.startswith('"'):
            value += line.strip('"')
        else:
            reading = False if value or not line.startswith('"') else reading
    return value


def test_every_message_has_a_chinese_translation() -> None:
    untranslated = [msgid for msgid, msgstr, fuzzy in entries(CATALOG) if not msgstr or fuzzy]
    assert untranslated == []
    assert len(entries(CATALOG)) > 50
