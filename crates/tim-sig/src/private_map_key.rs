//! TRTC's PrivateMapKey: a UserSig whose userbuf grants room privileges (see the workspace's
//! `docs/usersig.md`, "Userbuf and PrivateMapKey").
//!
//! IM itself does not use userbufs; this exists so that TRTC room keys signed by the official
//! libraries can be reproduced and verified.

use crate::key::{SecretKey, UserSig};
use crate::sign::{Claims, sign};

/// Privilege bits of a PrivateMapKey (`dwPrivilegeMap`).
pub mod privilege {
    /// Create the room.
    pub const CREATE_ROOM: u32 = 1;
    /// Enter the room.
    pub const ENTER_ROOM: u32 = 2;
    /// Send audio.
    pub const SEND_AUDIO: u32 = 4;
    /// Receive audio.
    pub const RECV_AUDIO: u32 = 8;
    /// Send video.
    pub const SEND_VIDEO: u32 = 16;
    /// Receive video.
    pub const RECV_VIDEO: u32 = 32;
    /// Send the sub-stream (screen sharing).
    pub const SEND_SUB_STREAM: u32 = 64;
    /// Receive the sub-stream.
    pub const RECV_SUB_STREAM: u32 = 128;
    /// Every privilege (255).
    pub const ALL: u32 = 255;
}

/// The room a PrivateMapKey is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoomId<'a> {
    /// A numeric room id (`genPrivateMapKey`).
    Numeric(u32),
    /// A string room id (`genPrivateMapKeyWithStringRoomID`). As in the official libraries, an
    /// empty string gives the numeric layout with room 0.
    String(&'a str),
}

/// Why a PrivateMapKey userbuf cannot be built: a value does not fit its binary field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserBufError {
    /// The sdkappid does not fit the 32-bit `dwSdkAppid`.
    #[error("sdkappid does not fit in 32 bits")]
    SdkAppIdTooLarge,
    /// The identifier is longer than 65535 bytes.
    #[error("identifier is longer than 65535 bytes")]
    IdentifierTooLong,
    /// The string room id is longer than 65535 bytes.
    #[error("room id is longer than 65535 bytes")]
    RoomIdTooLong,
    /// `time + expire` does not fit the 32-bit `dwExpTime` (after 2106).
    #[error("expiry time does not fit in 32 bits")]
    ExpiryOutOfRange,
}

/// The inputs of a PrivateMapKey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrivateMapKey<'a> {
    /// The app.
    pub sdk_app_id: u64,
    /// The user.
    pub identifier: &'a str,
    /// Signing time, Unix seconds.
    pub time: u64,
    /// Lifetime in seconds (the userbuf stores the absolute `time + expire`).
    pub expire: u64,
    /// The room.
    pub room: RoomId<'a>,
    /// The granted [`privilege`] bits, e.g. [`privilege::ALL`].
    pub privileges: u32,
}

impl PrivateMapKey<'_> {
    /// The userbuf bytes, big-endian: `cVer` (0 numeric, 1 string room), `wAccountLen`,
    /// account, `dwSdkAppid`, `dwAuthID` (the numeric room, 0 for string rooms), `dwExpTime`
    /// (`time + expire`), `dwPrivilegeMap`, `dwAccountType` (0), then for string rooms
    /// `roomStrLen` and the room id.
    pub fn userbuf(&self) -> Result<Vec<u8>, UserBufError> {
        let account = self.identifier.as_bytes();
        let account_len =
            u16::try_from(account.len()).map_err(|_| UserBufError::IdentifierTooLong)?;
        let sdk_app_id =
            u32::try_from(self.sdk_app_id).map_err(|_| UserBufError::SdkAppIdTooLarge)?;
        let exp_time = self
            .time
            .checked_add(self.expire)
            .and_then(|t| u32::try_from(t).ok())
            .ok_or(UserBufError::ExpiryOutOfRange)?;
        let (auth_id, room_str) = match self.room {
            RoomId::Numeric(id) => (id, None),
            RoomId::String("") => (0, None),
            RoomId::String(s) => (0, Some(s.as_bytes())),
        };
        let room_len = room_str
            .map(|s| u16::try_from(s.len()).map_err(|_| UserBufError::RoomIdTooLong))
            .transpose()?;

        let mut out = Vec::with_capacity(23 + account.len() + room_str.map_or(0, |s| 2 + s.len()));
        out.push(u8::from(room_str.is_some()));
        out.extend_from_slice(&account_len.to_be_bytes());
        out.extend_from_slice(account);
        out.extend_from_slice(&sdk_app_id.to_be_bytes());
        out.extend_from_slice(&auth_id.to_be_bytes());
        out.extend_from_slice(&exp_time.to_be_bytes());
        out.extend_from_slice(&self.privileges.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        if let (Some(room), Some(len)) = (room_str, room_len) {
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(room);
        }
        Ok(out)
    }

    /// The claims to sign: these inputs with [`PrivateMapKey::userbuf`].
    pub fn claims(&self) -> Result<Claims, UserBufError> {
        Ok(Claims {
            sdk_app_id: self.sdk_app_id,
            identifier: self.identifier.to_owned(),
            time: self.time,
            expire: self.expire,
            userbuf: Some(self.userbuf()?),
        })
    }

    /// Signs the PrivateMapKey.
    pub fn sign(&self, key: &SecretKey) -> Result<UserSig, UserBufError> {
        Ok(sign(key, &self.claims()?))
    }
}
