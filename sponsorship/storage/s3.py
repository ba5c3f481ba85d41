"""The S3 backend: files as objects in a bucket of any S3-compatible store (boto3).

Configured by STORAGE_S3_BUCKET, STORAGE_S3_PREFIX, STORAGE_S3_ENDPOINT_URL (a MinIO,
Ceph or other S3-compatible server; empty for AWS) and STORAGE_S3_REGION; credentials
come the usual boto3 way (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the
instance's role), never from the app's configuration. The sha256 is kept as object
metadata, so `stat` answers without reading the file.
"""

from __future__ import annotations

from datetime import UTC

from sponsorship.storage.base import FileInfo, NotStored, StorageError, check_key, sha256


class S3Store:
    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        if not bucket:
            raise StorageError("STORAGE_BACKEND=s3 needs STORAGE_S3_BUCKET")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # Short timeouts and few retries: a download must answer, not hang on a dead store.
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
        )
        from botocore.exceptions import BotoCoreError, ClientError

        self._errors = (BotoCoreError, ClientError)
        self._client_error = ClientError

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, error: Exception) -> bool:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, data: bytes, content_type: str) -> FileInfo:
        digest = sha256(data)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=data,
                ContentType=content_type,
                Metadata={"sha256": digest},
            )
        except self._errors as error:
            raise StorageError(f"could not store {key}: {error}") from error
        return FileInfo(key, len(data), digest, content_type)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
            return answer["Body"].read()
        except self._client_error as error:
            if self._missing(error):
                raise NotStored(key) from None
            raise StorageError(f"could not read {key}: {error}") from error
        except self._errors as error:
            raise StorageError(f"could not read {key}: {error}") from error

    def stat(self, key: str) -> FileInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except self._client_error as error:
            if self._missing(error):
                return None
            raise StorageError(f"could not read {key}: {error}") from error
        except self._errors as error:
            raise StorageError(f"could not read {key}: {error}") from error
        modified = head.get("LastModified")
        return FileInfo(
            key,
            head["ContentLength"],
            head.get("Metadata", {}).get("sha256", ""),
            head.get("ContentType", "application/octet-stream"),
            modified.astimezone(UTC) if modified else None,
        )

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except self._errors as error:
            raise StorageError(f"could not delete {key}: {error}") from error

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                found.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        except self._errors as error:
            raise StorageError(f"could not list {prefix}: {error}") from error
        return sorted(found)
