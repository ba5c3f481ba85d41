"""Text as XML 1.0 can hold it, for the open-data files written from stored data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML, never parse it

#: What XML 1.0 cannot hold (most C0 controls, surrogates, U+FFFE, U+FFFF): one such
#: stored character would make the whole file unreadable, so it is written as U+FFFD.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def xml_text(value: str) -> str:
    return NOT_XML.sub(REPLACEMENT, value)


def well_formed(root: ET.Element) -> None:
    """Make every text, tail and attribute value in the tree fit for XML, in place: the
    one place it is done, whatever field the text came from."""
    for element in root.iter():
        element.text = element.text and xml_text(element.text)
        element.tail = element.tail and xml_text(element.tail)
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)
