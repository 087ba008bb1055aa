"""The campaign's way to Zalo: the OA's token from the TokenStore, one refresh-and-retry on token
errors (`TokenSession`, the path the outbox sender takes too), and the ZaloClient calls a broadcast
needs. Tests pass fakes with the same methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from anninh.zalo.client import MessageKind, ZaloClient
from anninh.zalo.errors import TokenUnavailableError, ZaloError
from anninh.zalo.tokens import AccessTokens, TokenSession, TokenStore

T = TypeVar("T")


class BroadcastGateway(Protocol):
    def send(self, oa_id: str, user_id: str, message: dict[str, Any], message_type: str) -> str: ...

    def send_template(
        self, oa_id: str, phone: str, template_id: str, template_data: dict[str, Any], tracking_id: str
    ) -> str: ...

    def create_article(self, oa_id: str, article: dict[str, Any]) -> str: ...

    def broadcast_article(self, oa_id: str, article_id: str, target: dict[str, Any]) -> str: ...


class ZaloGateway:
    def __init__(self, client: ZaloClient | None = None, tokens: AccessTokens | None = None) -> None:
        self._client = client
        self._tokens = tokens

    @property
    def client(self) -> ZaloClient:
        if self._client is None:
            self._client = ZaloClient()
        return self._client

    @property
    def tokens(self) -> AccessTokens:
        if self._tokens is None:
            self._tokens = TokenStore(client=self.client)
        return self._tokens

    def _with_token(self, oa_id: str, call: Callable[[str], T]) -> T:
        return TokenSession(self.tokens, oa_id).call(call)

    def find_sent(
        self, oa_id: str, user_id: str, message: dict[str, Any], since_ms: int
    ) -> str | bool | None:
        """See `ZaloClient.find_sent`: the message id if it arrived, False if not, None if unknown."""
        try:
            return self._with_token(oa_id, lambda t: self.client.find_sent(t, user_id, message, since_ms))
        except (ZaloError, TokenUnavailableError):
            return None

    def send(self, oa_id: str, user_id: str, message: dict[str, Any], message_type: str) -> str:
        kind: MessageKind = "promotion" if message_type == "promotion" else "cs"
        result = self._with_token(oa_id, lambda t: self.client.send_message(t, user_id, message, kind=kind))
        return result.message_id

    def send_template(
        self, oa_id: str, phone: str, template_id: str, template_data: dict[str, Any], tracking_id: str
    ) -> str:
        result = self._with_token(
            oa_id, lambda t: self.client.send_template(t, phone, template_id, template_data, tracking_id)
        )
        return result.msg_id

    def create_article(self, oa_id: str, article: dict[str, Any]) -> str:
        token = self._with_token(oa_id, lambda t: self.client.create_article(t, article))
        return self._with_token(oa_id, lambda t: self.client.verify_article(t, token))

    def broadcast_article(self, oa_id: str, article_id: str, target: dict[str, Any]) -> str:
        return self._with_token(oa_id, lambda t: self.client.broadcast_article(t, article_id, target))
