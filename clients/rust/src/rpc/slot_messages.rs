//! Slot messages: SendMessage, BroadcastMessage, ReadMessages, PeekMessages, CountMessages.

use crate::call::{Call, unary};
use crate::client::Client;
use crate::pb::{self, SlotMessage};

impl Client {
    /// SendMessage: a message to slot `to`, put before its next prompt. `from` is a slot id or
    /// any label for a sender outside the pool.
    pub fn send_message(
        &self,
        from: impl Into<String>,
        to: impl Into<String>,
        content: impl Into<String>,
    ) -> Call<pb::SendMessageRequest, SlotMessage> {
        let request = pb::SendMessageRequest {
            from_slot_id: from.into(),
            to_slot_id: to.into(),
            content: content.into(),
            ..Default::default()
        };
        unary!(self, request, send_message, |r| r.message.unwrap_or_default())
    }

    /// BroadcastMessage: a message to every other active slot; one message per recipient.
    pub fn broadcast_message(
        &self,
        from: impl Into<String>,
        content: impl Into<String>,
    ) -> Call<pb::BroadcastMessageRequest, Vec<SlotMessage>> {
        let request = pb::BroadcastMessageRequest {
            from_slot_id: from.into(),
            content: content.into(),
            ..Default::default()
        };
        unary!(self, request, broadcast_message, |r| r.messages)
    }

    /// ReadMessages: returns and removes the slot's unread messages, oldest first.
    pub fn read_messages(
        &self,
        slot_id: impl Into<String>,
    ) -> Call<pb::ReadMessagesRequest, Vec<SlotMessage>> {
        let request = pb::ReadMessagesRequest { slot_id: slot_id.into(), ..Default::default() };
        unary!(self, request, read_messages, |r| r.messages)
    }

    /// PeekMessages: the slot's unread messages, without removing them.
    pub fn peek_messages(
        &self,
        slot_id: impl Into<String>,
    ) -> Call<pb::PeekMessagesRequest, Vec<SlotMessage>> {
        let request = pb::PeekMessagesRequest { slot_id: slot_id.into() };
        unary!(self, request, peek_messages, |r| r.messages)
    }

    /// CountMessages: how many unread messages the slot has.
    pub fn count_messages(
        &self,
        slot_id: impl Into<String>,
    ) -> Call<pb::CountMessagesRequest, i64> {
        let request = pb::CountMessagesRequest { slot_id: slot_id.into() };
        unary!(self, request, count_messages, |r| r.count)
    }
}
