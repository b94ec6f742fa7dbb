"""Folders, their inherited access, versions, soft delete and the record a file belongs to."""

from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from guanxi.collab.documents import selectors, services
from guanxi.collab.documents.access import level_of
from guanxi.collab.documents.models import Document, DocumentVersion, Folder, Level
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.org.models import Role
from tests.conftest import TwoUnits, grant
from tests.customers.test_services import register

from .conftest import exe_as_pdf, pdf_file


class Tree(TwoUnits):
    sales: Folder
    contracts: Folder
    secret: Folder


@pytest.fixture
def tree(two_units: TwoUnits) -> Tree:
    """Ada (unit admin of A) keeps 销售资料 › 合同 › 机密 (机密 does not inherit); Bob manages Shanghai."""
    grant(two_units.bob, "sales_manager")
    tree = cast(Tree, two_units)
    tree.sales = services.folder_create(actor=tree.ada, name="销售资料")
    tree.contracts = services.folder_create(actor=tree.ada, name="合同", parent=tree.sales)
    tree.secret = services.folder_create(actor=tree.ada, name="机密", parent=tree.contracts, inherit=False)
    return tree


def _names(actor: object) -> set[str]:
    return {folder.name for folder in selectors.folders(actor=actor)}  # type: ignore[arg-type]


def test_a_grant_on_a_folder_reaches_the_folders_below_it_until_one_stops_inheriting(tree: Tree) -> None:
    services.folder_access_set(
        actor=tree.ada, folder=tree.sales, inherit=True, grants=[{"level": Level.VIEW, "department": tree.shanghai}]
    )
    # Alice works in Shanghai: she sees 销售资料 and 合同 (inherited) but not 机密, which stops inheriting.
    assert _names(tree.alice) == {"销售资料", "合同"}
    assert level_of(tree.alice, tree.contracts) == Level.VIEW
    assert level_of(tree.alice, tree.secret) == 0
    # Charlie works in Beijing: nothing. Bella (unit B) neither, whatever the grant.
    assert _names(tree.charlie) == set() and _names(tree.bella) == set()
    # A grant on the department above (总部) reaches those below it: Charlie too.
    grant(tree.charlie, "salesperson")
    services.folder_access_set(
        actor=tree.ada,
        folder=tree.secret,
        inherit=False,
        grants=[{"level": Level.EDIT, "department": tree.head_office}],
    )
    assert _names(tree.charlie) == {"机密"} and level_of(tree.alice, tree.secret) == Level.EDIT


def test_letting_a_folder_inherit_again_opens_it_to_the_parents_grants(tree: Tree) -> None:
    services.folder_access_set(
        actor=tree.ada, folder=tree.sales, inherit=True, grants=[{"level": Level.EDIT, "user": tree.alice}]
    )
    assert level_of(tree.alice, tree.secret) == 0
    secret = services.folder_access_set(actor=tree.ada, folder=tree.secret, inherit=True, grants=[])
    assert level_of(tree.alice, secret) == Level.EDIT


def test_roles_grant_access_and_view_is_not_edit(tree: Tree) -> None:
    managers = Role.objects.get(code="sales_manager")
    services.folder_access_set(
        actor=tree.ada, folder=tree.sales, inherit=True, grants=[{"level": Level.VIEW, "role": managers}]
    )
    assert _names(tree.bob) == {"销售资料", "合同"}
    with pytest.raises(NotPermitted):
        services.document_upload(actor=tree.bob, folder=tree.contracts, upload=pdf_file())
    assert Document.all_objects.count() == 0


def test_a_unit_admin_manages_only_their_own_units_folders(tree: Tree) -> None:
    assert _names(tree.ben) == set()  # Ben administers unit B: A's folders are not his
    theirs = services.folder_create(actor=tree.ben, name="杭州资料")
    assert _names(tree.ada) == {"销售资料", "合同", "机密"} and theirs.business_unit_id == tree.unit_b.pk
    with pytest.raises(NotPermitted):
        services.folder_create(actor=tree.ben, name="入侵", parent=tree.sales)
    with pytest.raises(ValidationError) as refused:
        services.folder_access_set(
            actor=tree.ada, folder=tree.sales, inherit=True, grants=[{"level": Level.VIEW, "user": tree.bella}]
        )
    assert set(refused.value.message_dict) == {"grants.0.user"}


def test_a_folder_cannot_move_into_itself_or_below_itself(tree: Tree) -> None:
    for target in (tree.sales, tree.contracts, tree.secret):
        with pytest.raises(DomainError) as refused:
            services.folder_move(actor=tree.ada, folder=tree.sales, parent=target)
        assert refused.value.code == "folder_loop" and refused.value.field == "parent"
    assert Folder.objects.get(pk=tree.sales.pk).parent_id is None


def test_moving_a_folder_moves_its_subtree_and_its_inherited_access(tree: Tree) -> None:
    archive = services.folder_create(actor=tree.ada, name="归档")
    services.folder_access_set(
        actor=tree.ada, folder=archive, inherit=True, grants=[{"level": Level.VIEW, "user": tree.alice}]
    )
    services.folder_move(actor=tree.ada, folder=tree.contracts, parent=archive)
    contracts, secret = Folder.objects.get(pk=tree.contracts.pk), Folder.objects.get(pk=tree.secret.pk)
    assert contracts.path == f"{archive.path}{contracts.pk}/" and secret.path == f"{contracts.path}{secret.pk}/"
    assert level_of(tree.alice, contracts) == Level.VIEW and level_of(tree.alice, secret) == 0


def test_versions_are_listed_newest_first_and_an_old_one_restored_as_a_new_version(tree: Tree) -> None:
    document = services.document_upload(
        actor=tree.ada, folder=tree.contracts, upload=pdf_file(text="v1"), tags="合同, 模板"
    )
    second = services.document_version_add(
        actor=tree.ada, document=document, upload=pdf_file(text="second"), note="法务修改"
    )
    assert [v.number for v in selectors.versions(document)] == [2, 1]
    document.refresh_from_db()
    assert document.current_id == second.pk and document.tags == "合同 模板"
    first = document.versions.get(number=1)
    restored = services.document_version_restore(actor=tree.ada, document=document, version=first)
    document.refresh_from_db()
    assert (restored.number, restored.sha256, restored.file.name) == (3, first.sha256, first.file.name)
    assert document.current_id == restored.pk and document.versions.count() == 3


def test_a_bad_new_version_leaves_the_document_as_it_was(tree: Tree) -> None:
    document = services.document_upload(actor=tree.ada, folder=tree.contracts, upload=pdf_file())
    for upload in (exe_as_pdf(), SimpleUploadedFile("empty.pdf", b"")):
        with pytest.raises(DomainError):
            services.document_version_add(actor=tree.ada, document=document, upload=upload)
    assert DocumentVersion.objects.filter(document=document).count() == 1


def test_a_deleted_document_is_gone_from_lists_and_comes_back_when_restored(tree: Tree) -> None:
    services.folder_access_set(
        actor=tree.ada, folder=tree.sales, inherit=True, grants=[{"level": Level.EDIT, "user": tree.alice}]
    )
    grant(tree.alice, "salesperson")
    document = services.document_upload(actor=tree.alice, folder=tree.contracts, upload=pdf_file(), name="报价单")
    services.document_delete(actor=tree.alice, document=document)
    assert not selectors.search(actor=tree.alice, query="报价").exists()
    assert list(selectors.deleted_documents(actor=tree.alice)) == [document]
    services.document_restore(actor=tree.alice, document=document)
    assert list(selectors.search(actor=tree.alice, query="报价")) == [document]


def test_search_finds_names_and_tags_only_in_folders_the_reader_may_open(tree: Tree) -> None:
    services.document_upload(actor=tree.ada, folder=tree.contracts, upload=pdf_file(), name="年度框架合同", tags="框架")
    services.document_upload(actor=tree.ada, folder=tree.secret, upload=pdf_file(), name="机密合同", tags="框架")
    services.folder_access_set(
        actor=tree.ada, folder=tree.sales, inherit=True, grants=[{"level": Level.VIEW, "user": tree.alice}]
    )
    assert [d.name for d in selectors.search(actor=tree.alice, query="框架")] == ["年度框架合同"]
    assert {d.name for d in selectors.search(actor=tree.ada, query="合同")} == {"年度框架合同", "机密合同"}
    assert not selectors.search(actor=tree.ben, query="合同").exists()


def test_a_file_on_a_customer_is_seen_by_whoever_sees_the_customer(tree: Tree) -> None:
    grant(tree.bob, "sales_manager")
    customer = register(tree.alice, "上海精工机械有限公司")
    document = services.record_document_upload(
        actor=tree.alice, record_type="customers.customer", record_id=str(customer.pk), upload=pdf_file()
    )
    assert selectors.document_get(actor=tree.bob, pk=document.pk) == document  # Bob manages Alice
    for outsider in (tree.charlie, tree.bella):
        with pytest.raises(Http404):
            selectors.document_get(actor=outsider, pk=document.pk)
    with pytest.raises(NotPermitted):
        services.record_document_upload(
            actor=tree.bella, record_type="customers.customer", record_id=str(customer.pk), upload=pdf_file()
        )
