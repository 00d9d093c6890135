"""Policy bundles: reproducible digest, signatures (ES256, EdDSA), all-or-nothing verification, eval from a bundle."""
from __future__ import annotations

import base64
import io
import json
import os
import tarfile

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from evaluator import api
from evaluator.repo import bundle, manifest

from .conftest import ROOT, edit, run_policy

EXAMPLES = ROOT / "examples" / "workers.yaml"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    assert run_policy("keygen", "--out", d)[0] == 0
    assert run_policy("keygen", "--out", d, "--alg", "EdDSA", "--name", "ed")[0] == 0
    return d


@pytest.fixture(scope="module")
def signed(keys, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    code, stdout, _ = run_policy("bundle", "--out", out, "--key", keys / "policy-signing.key")
    assert code == 0, stdout
    return out / bundle.ARCHIVE_NAME


def _unpack(archive, dest):
    for name, data in bundle.read(archive).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(data)
    return dest


def test_rfc8785_example_from_the_rfc():
    # RFC 8785 section 3.2.2: the canonical form of its sample object.
    value = json.loads('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
                       '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
                       '"literals": [null, true, false]}')
    assert manifest.canonical(value) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}').encode("utf-8")


def test_same_tree_same_digest_and_bundle_revision_is_the_ruling_digest(repo, keys, tmp_path, signed):
    code, out, _ = run_policy("bundle", "--out", tmp_path, "--unsigned")
    assert code == 0
    assert f"revision {repo.digest}" in out
    files = bundle.read(signed)
    m = json.loads(files[manifest.MANIFEST])
    assert m["revision"] == repo.digest == api.load(ROOT).digest
    assert files[manifest.MANIFEST] == manifest.canonical(m)  # stored in canonical form
    assert set(m["schemas"]) >= {"urn:yinchuan-policy:schema:cases", "urn:yinchuan-policy:schema:ruling"}
    assert {"schemas/cases.schema.json", "schemas/ruling.schema.json"} <= set(files)
    salary = next(v for v in m["versions"] if v["id"] == "workforce.salary_table")
    assert salary["effective_from"] == "2019-01-01"


def test_a_changed_figure_changes_the_digest(repo, repo_copy):
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "base_pay: 4000", "base_pay: 4001")
    assert api.load(repo_copy).digest != repo.digest


def test_crlf_checkout_has_the_same_digest(repo, repo_copy):
    p = repo_copy / "clauses/workforce.yaml"
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    assert api.load(repo_copy).digest == repo.digest


def test_verify_accepts_the_signed_bundle(signed, keys):
    code, out, _ = run_policy("verify", signed, "--key", keys / "policy-signing.pub")
    assert code == 0 and "verified" in out


def test_eval_from_bundle_gives_the_same_rulings(signed, keys):
    code, tree, _ = run_policy("eval", EXAMPLES, "--format", "json")
    code_b, from_bundle, err = run_policy("eval", EXAMPLES, "--format", "json", "--bundle", signed,
                                          "--key", keys / "policy-signing.pub")
    assert code == code_b == 0, err
    assert json.loads(tree) == json.loads(from_bundle)


def test_one_changed_byte_is_refused_by_verify_and_eval(signed, keys, tmp_path):
    d = _unpack(signed, tmp_path / "b")
    target = d / "policies/workforce.salary_table/2019-01-01.yaml"
    edit(target, "base_pay: 4000", "base_pay: 4001")
    code, out, _ = run_policy("verify", d, "--key", keys / "policy-signing.pub")
    assert code == 1
    assert "policies/workforce.salary_table/2019-01-01.yaml: its SHA-256 does not match" in out
    code, out, err = run_policy("eval", EXAMPLES, "--bundle", d, "--key", keys / "policy-signing.pub")
    assert code == 2 and out == ""
    assert "refused" in err and "workforce.salary_table/2019-01-01.yaml" in err


def test_changed_byte_inside_the_archive_is_refused(signed, keys, tmp_path):
    files = bundle.read(signed)
    files["clauses/notice.yaml"] = files["clauses/notice.yaml"].replace("银川".encode(), "银州".encode(), 1)
    archive = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    code, out, _ = run_policy("verify", archive, "--key", keys / "policy-signing.pub")
    assert code == 1 and "clauses/notice.yaml: its SHA-256 does not match" in out


def test_extra_and_missing_files_are_named(signed, keys, tmp_path):
    d = _unpack(signed, tmp_path / "b")
    (d / "policies/workforce.salary_table/2030-01-01.yaml").write_text("id: x\n")
    (d / "rules/workforce.exit_grounds/2019-01-01.yaml").unlink()
    code, out, _ = run_policy("verify", d, "--key", keys / "policy-signing.pub")
    assert code == 1
    assert "rules/workforce.exit_grounds/2019-01-01.yaml: listed in the bundle but missing" in out
    assert "policies/workforce.salary_table/2030-01-01.yaml: not listed" in out


def test_unsigned_bundle_refused_unless_told_otherwise(tmp_path, keys):
    run_policy("bundle", "--out", tmp_path, "--unsigned")
    archive = tmp_path / bundle.ARCHIVE_NAME
    code, out, _ = run_policy("verify", archive, "--key", keys / "policy-signing.pub")
    assert code == 1 and "not signed" in out
    code, _, err = run_policy("eval", EXAMPLES, "--bundle", archive, "--key", keys / "policy-signing.pub")
    assert code == 2 and "not signed" in err
    code, out, err = run_policy("eval", EXAMPLES, "--bundle", archive, "--skip-verify")
    assert code == 0 and "case(s) evaluated" in out


def test_wrong_key_and_eddsa(keys, tmp_path, signed):
    code, out, _ = run_policy("verify", signed, "--key", keys / "ed.pub")
    assert code == 1 and "signed with ES256" in out
    code, _, _ = run_policy("bundle", "--out", tmp_path, "--key", keys / "ed.key")
    assert code == 0
    code, out, _ = run_policy("verify", tmp_path / bundle.ARCHIVE_NAME, "--key", keys / "ed.pub")
    assert code == 0, out
    other = tmp_path / "other"
    run_policy("keygen", "--out", other)
    code, out, _ = run_policy("verify", signed, "--key", other / "policy-signing.pub")
    assert code == 1 and "does not verify" in out


def test_signature_verifies_with_plain_ecdsa_as_java_or_go_would(signed, keys):
    """The JWS is standard: base64url(header).base64url(payload).base64url(r||s), ES256 over the first two parts."""
    token = json.loads(bundle.read(signed)[manifest.SIGNATURES])["signatures"][0]
    head, payload, sig = token.split(".")
    pad = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))  # noqa: E731
    raw = pad(sig)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    pub = load_pem_public_key((keys / "policy-signing.pub").read_bytes())
    pub.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if invalid
    body = json.loads(pad(payload))
    assert json.loads(pad(head))["alg"] == "ES256"
    names = {f["name"] for f in body["files"]}
    assert manifest.MANIFEST in names and "schemas/ruling.schema.json" in names
    assert all(f["algorithm"] == "SHA-256" and len(f["hash"]) == 64 for f in body["files"])


def test_unsafe_archive_paths_are_refused(tmp_path, keys):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.yaml")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    code, _, err = run_policy("verify", archive, "--key", keys / "policy-signing.pub")
    assert code == 2 and "unsafe path" in err
    assert not (tmp_path.parent / "outside.yaml").exists()


def test_keygen_never_overwrites_and_keeps_the_private_key_private(keys):
    assert os.stat(keys / "policy-signing.key").st_mode & 0o077 == 0
    code, _, err = run_policy("keygen", "--out", keys)
    assert code == 2 and "already exists" in err


def test_bundle_needs_a_key_or_unsigned(tmp_path):
    code, _, err = run_policy("bundle", "--out", tmp_path)
    assert code == 2 and "--unsigned" in err


def test_versions_status_follows_the_date(repo_copy):
    edit(repo_copy / "policies/workforce.salary_table/2019-01-01.yaml", "effective_from: 2019-01-01",
         "effective_from: 2019-01-01\neffective_to: 2020-12-31")
    code, out, _ = run_policy("--repo", repo_copy, "versions", "workforce.salary_table", "--as-of", "2024-01-01",
                              "--format", "json")
    assert code == 0
    [row] = json.loads(out)["versions"]
    assert (row["status"], row["effective_to"], row["declared_status"]) == ("superseded", "2020-12-31", "in_force")
    code, out, _ = run_policy("--repo", repo_copy, "versions", "--as-of", "2018-06-01", "--format", "json")
    rows = json.loads(out)["versions"]
    assert code == 0 and len(rows) > 1 and {r["status"] for r in rows} == {"not_yet_in_force"}  # before 2018-09-05
    code, _, err = run_policy("--repo", repo_copy, "versions", "workforce.salary_tabel")
    assert code == 2 and "did you mean 'workforce.salary_table'" in err
