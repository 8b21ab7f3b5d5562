"""contracts.sigv4 against AWS's own examples: "Signature Calculations for the Authorization
Header: Transferring Payload in a Single Chunk", Amazon S3 API Reference (example bucket
``examplebucket``, 24 May 2013, the documentation's example key pair)."""

from __future__ import annotations

import hashlib

import pytest

from contracts import sigv4

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
HOST = "examplebucket.s3.amazonaws.com"
DATE = "20130524T000000Z"
EMPTY = hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize(("method", "path", "query", "extra", "payload", "expected"), [
    # GET Object: the first ten bytes of test.txt
    ("GET", "/test.txt", "", [("Range", "bytes=0-9")], EMPTY,
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    # PUT Object: a key with '$' (encoded once: %24), a Date header and a storage class
    ("PUT", "/test$file.text", "", [("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                    ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
     hashlib.sha256(b"Welcome to Amazon S3.").hexdigest(),
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
    # GET Bucket Lifecycle: a parameter without a value
    ("GET", "/", "lifecycle", [], EMPTY,
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    # GET Bucket (List Objects): parameters sorted
    ("GET", "/", "max-keys=2&prefix=J", [], EMPTY,
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
])
def test_aws_published_examples(method: str, path: str, query: str, extra: list[tuple[str, str]],
                                payload: str, expected: str) -> None:
    headers = [("Host", HOST), *extra, ("x-amz-content-sha256", payload), ("x-amz-date", DATE)]
    signature, _ = sigv4.signature(SECRET, REGION, DATE, method, path, query, headers, payload)
    assert signature == expected


def test_the_get_example_authorization_header() -> None:
    headers = [("Host", HOST), ("Range", "bytes=0-9"), ("x-amz-content-sha256", EMPTY), ("x-amz-date", DATE)]
    assert sigv4.authorization(ACCESS_KEY, SECRET, REGION, DATE, "GET", "/test.txt", "", headers, EMPTY) == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")


@pytest.mark.parametrize(("raw", "canonical"), [
    ("/photos/a b.jpg", "/photos/a%20b.jpg"),          # a space: %20, once
    ("/photos/a%20b.jpg", "/photos/a%20b.jpg"),        # already encoded: the same key, not %2520
    ("/c++/x", "/c%2B%2B/x"),                          # '+' is a plus, not a space
    ("/caf%C3%A9", "/caf%C3%A9"), ("/café", "/caf%C3%A9"),  # non-ASCII: UTF-8, once
    ("/a//b/./c/../d", "/a//b/./c/../d"),               # never normalised
    ("/~user/file-_.txt", "/~user/file-_.txt"),         # unreserved characters kept
])
def test_keys_are_encoded_once_and_never_normalised(raw: str, canonical: str) -> None:
    assert sigv4.canonical_uri(raw) == canonical


def test_query_values_encode_slashes_and_sort() -> None:
    assert sigv4.canonical_query("prefix=a/b&delimiter=%2F&acl") == "acl=&delimiter=%2F&prefix=a%2Fb"
