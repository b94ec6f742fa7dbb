import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.collab.files import check_upload
from guanxi.core.errors import DomainError

from .conftest import exe_as_pdf, pdf_file, png_file


def test_a_pdf_and_a_png_are_accepted_with_their_type_size_and_digest(db: None) -> None:
    checked = check_upload(pdf_file(), unit=None)
    assert (checked.content_type, checked.name) == ("application/pdf", "contract.pdf")
    assert checked.size > 100 and len(checked.sha256) == 64
    assert check_upload(png_file(), unit=None, images_only=True).content_type == "image/png"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (exe_as_pdf(), "file_content"),
        (SimpleUploadedFile("run.pdf", b"#!/bin/sh\nrm -rf /\n"), "file_content"),
        (SimpleUploadedFile("elf.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 50), "file_content"),
        (SimpleUploadedFile("notes.txt", b"MZ\x90\x00 this is a program"), "file_content"),
        (SimpleUploadedFile("setup.exe", b"MZ\x90\x00"), "file_type"),
        (SimpleUploadedFile("empty.pdf", b""), "empty_file"),
    ],
)
def test_a_file_is_judged_by_its_content_not_its_name(db: None, upload: SimpleUploadedFile, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_upload(upload, unit=None)
    assert refused.value.code == code and refused.value.field == "file"


def test_a_file_over_the_units_limit_is_refused(db: None, settings: object) -> None:
    from guanxi.core.config.parameters import parameter_value

    limit = parameter_value("documents.max_file_mb", unit=None) * 1024 * 1024
    big = SimpleUploadedFile("big.txt", b"a" * (limit + 1))
    with pytest.raises(DomainError) as refused:
        check_upload(big, unit=None)
    assert refused.value.code == "file_too_large"


def test_a_receipt_must_be_an_image(db: None) -> None:
    with pytest.raises(DomainError) as refused:
        check_upload(pdf_file(), unit=None, images_only=True, field="receipt")
    assert refused.value.code == "file_type" and refused.value.field == "receipt"
