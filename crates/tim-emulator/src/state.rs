//! Several apps in one data file, and the state of every app as one document (the file
//! `tim emulator serve --state FILE` keeps). Pure: reading and writing files is
//! [`crate::save_state`]'s and the CLI's.
//!
//! A data file's top-level fields are the default app's; its optional `"apps"` object holds
//! the data of other apps by SDKAppID (`{"apps": {"1400000001": {"sessions": ...}}}`). Apps are
//! declared with their keys elsewhere ([`Emulator::add_app`], `--app SDKAPPID:KEY`): a data or
//! state file never holds a key, and a section for an undeclared app is an error.
//!
//! A state file holds, per app, its data (conversations, groups, memberships, marks, admins,
//! accounts) and settings (what `/_emulator/config` sets), and the baseline of both that reset
//! returns to. It holds no keys, faults, request log, stats, rate windows or clock shift: those
//! start afresh (faults from `--fault`) at every start. See `docs/emulator.md`, "State".

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contacts::{ContactSettings, Edition, LimitScope};
use crate::emulator::{Emulator, Settings};
use crate::store::{DataError, DataFile, Store};

/// The version of the state file format this emulator writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The state of every app of an emulator: what a state file holds. See the
/// [module documentation](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// Every app, the default first.
    pub apps: Vec<AppState>,
}

/// One app's part of a [`StateFile`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppState {
    /// The app's SDKAppID (its key is never written).
    pub sdkappid: u64,
    /// Its current settings.
    pub settings: AppSettings,
    /// Its current data.
    pub data: DataFile,
    /// The settings reset returns to.
    pub baseline_settings: AppSettings,
    /// The data reset returns to.
    pub baseline: DataFile,
}

/// An app's settings as `/_emulator/config` names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSettings {
    /// get_list page size (at least 1).
    pub page_size: usize,
    /// Calls per second per API; `null`: off.
    pub rate_limit: Option<u32>,
    /// `developer`, `pro`, `pro_plus` or `enterprise`.
    pub edition: String,
    /// The 51008 cap.
    pub contact_limit: usize,
    /// `total` or `per_group`.
    pub contact_limit_scope: String,
    /// get_contact_group page size (at least 1).
    pub contact_page_size: usize,
}

impl AppSettings {
    fn of(s: Settings) -> Self {
        AppSettings {
            page_size: s.page_size,
            rate_limit: s.rate_limit,
            edition: s.edition.name().to_owned(),
            contact_limit: s.contacts.max_conversations,
            contact_limit_scope: s.contacts.scope.name().to_owned(),
            contact_page_size: s.contacts.page_size,
        }
    }

    fn settings(&self, sdkappid: u64) -> Result<Settings, StateError> {
        let bad = |field: &'static str, reason: &str| StateError::Setting {
            sdkappid,
            field,
            reason: reason.to_owned(),
        };
        if self.page_size == 0 {
            return Err(bad("page_size", "must be at least 1"));
        }
        if self.contact_page_size == 0 {
            return Err(bad("contact_page_size", "must be at least 1"));
        }
        let edition: Edition = self
            .edition
            .parse()
            .map_err(|_| bad("edition", "must be developer, pro, pro_plus or enterprise"))?;
        let scope = LimitScope::from_name(&self.contact_limit_scope)
            .ok_or_else(|| bad("contact_limit_scope", "must be total or per_group"))?;
        let contacts = ContactSettings {
            max_conversations: self.contact_limit,
            scope,
            page_size: self.contact_page_size,
        };
        Ok(Settings {
            page_size: self.page_size,
            rate_limit: self.rate_limit,
            edition,
            contacts,
        })
    }
}

/// Why a state file was refused. Nothing changes when it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Not valid state-file JSON.
    #[error("invalid state file: {0}")]
    Json(String),
    /// Written by another version of the format.
    #[error("state file version {0} (this emulator reads version {STATE_VERSION})")]
    Version(u32),
    /// It names an app the emulator was not started with.
    #[error(
        "the state file has app {0}, which this emulator does not have (declare it with --app {0}:KEY)"
    )]
    UnknownApp(u64),
    /// It names an app twice.
    #[error("the state file has app {0} twice")]
    DuplicateApp(u64),
    /// A setting is out of range.
    #[error("app {sdkappid}: {field} {reason}")]
    Setting {
        /// The app.
        sdkappid: u64,
        /// The setting's name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A data set is invalid.
    #[error("app {sdkappid}: {error}")]
    Data {
        /// The app.
        sdkappid: u64,
        /// What is wrong.
        error: DataError,
    },
}

fn store_of(sdkappid: u64, data: &DataFile) -> Result<Store, StateError> {
    let mut store = Store::new();
    store
        .load(data)
        .map_err(|error| StateError::Data { sdkappid, error })?;
    Ok(store)
}

impl Emulator {
    /// The state of every app: data, settings and their baselines (see [`StateFile`]).
    pub fn state(&self) -> StateFile {
        StateFile {
            version: STATE_VERSION,
            apps: self
                .apps()
                .map(|app| {
                    let (baseline, baseline_settings) = app.baseline();
                    AppState {
                        sdkappid: app.sdk_app_id(),
                        settings: AppSettings::of(app.settings()),
                        data: app.store().export(),
                        baseline_settings: AppSettings::of(baseline_settings),
                        baseline: baseline.export(),
                    }
                })
                .collect(),
        }
    }

    /// [`Emulator::state`] as JSON.
    pub fn state_json(&self) -> Vec<u8> {
        // Plain structs and string-keyed maps: serializing cannot fail.
        serde_json::to_vec(&self.state()).unwrap_or_default()
    }

    /// Restores a state: each app it names gets its data, settings and baseline, and starts
    /// afresh (its start-up faults, an empty log, zeroed stats, no clock shift). Apps it does
    /// not name keep theirs.
    ///
    /// # Errors
    ///
    /// The state names an app this emulator does not have, names one twice, or holds an
    /// invalid data set or setting; nothing changes then.
    pub fn restore_state(&mut self, state: &StateFile) -> Result<(), StateError> {
        if state.version != STATE_VERSION {
            return Err(StateError::Version(state.version));
        }
        let mut parts: Vec<(u64, Store, Settings, Store, Settings)> =
            Vec::with_capacity(state.apps.len());
        for app in &state.apps {
            let id = app.sdkappid;
            if self.app(id).is_none() {
                return Err(StateError::UnknownApp(id));
            }
            if parts.iter().any(|(seen, ..)| *seen == id) {
                return Err(StateError::DuplicateApp(id));
            }
            parts.push((
                id,
                store_of(id, &app.data)?,
                app.settings.settings(id)?,
                store_of(id, &app.baseline)?,
                app.baseline_settings.settings(id)?,
            ));
        }
        for (id, store, settings, baseline, baseline_settings) in parts {
            if let Some(app) = self.app_mut(id) {
                app.restore(store, settings, baseline, baseline_settings);
            }
        }
        Ok(())
    }

    /// [`Emulator::restore_state`] from the state file's JSON text.
    ///
    /// # Errors
    ///
    /// As [`Emulator::restore_state`], and [`StateError::Json`] for a document that is not a
    /// state file.
    pub fn restore_state_json(&mut self, json: &[u8]) -> Result<(), StateError> {
        let state: StateFile =
            serde_json::from_slice(json).map_err(|e| StateError::Json(e.to_string()))?;
        self.restore_state(&state)
    }

    /// Loads a data file that may address several apps: its top-level fields go to the default
    /// app ([`Store::load`]), each `"apps"` section to the app with that SDKAppID. All or
    /// nothing: when any part is invalid, no app changes.
    ///
    /// # Errors
    ///
    /// A part is invalid ([`DataError`], [`DataError::InApp`] naming the app), or a section
    /// names an app the emulator does not have ([`DataError::UnknownApp`]).
    pub fn load_json(&mut self, json: &[u8]) -> Result<(), DataError> {
        let mut doc: Value = match serde_json::from_slice(json) {
            // Not JSON: the store's reader words the error (line and column).
            Err(_) => return self.data().load_json(json),
            Ok(v) => v,
        };
        let apps = match doc.as_object_mut().and_then(|m| m.remove("apps")) {
            // No `apps`: exactly the one-app reading, errors included.
            None => return self.data().load_json(json),
            Some(Value::Object(apps)) => apps,
            Some(_) => {
                return Err(DataError::Json(
                    "apps: expected an object of data sets by sdkappid".to_owned(),
                ));
            }
        };
        let default = self.sdk_app_id();
        // (app, section, whether it is the top level), the top level first.
        let mut sections: Vec<(u64, Value, bool)> = vec![(default, doc, true)];
        for (key, data) in apps {
            let id = key
                .parse::<u64>()
                .ok()
                .filter(|id| self.app(*id).is_some())
                .ok_or(DataError::UnknownApp(key))?;
            sections.push((id, data, false));
        }
        let mut staged: Vec<(u64, Store)> = Vec::with_capacity(sections.len());
        for (id, data, top) in sections {
            let at = match staged.iter().position(|(s, _)| *s == id) {
                Some(at) => at,
                None => {
                    let store = self.app(id).map(|a| a.store().clone()).unwrap_or_default();
                    staged.push((id, store));
                    staged.len() - 1
                }
            };
            let text = serde_json::to_vec(&data).unwrap_or_default();
            staged[at].1.load_json(&text).map_err(|error| {
                if top {
                    error
                } else {
                    DataError::InApp {
                        sdkappid: id,
                        error: Box::new(error),
                    }
                }
            })?;
        }
        for (id, store) in staged {
            if let Some(app) = self.app_mut(id) {
                *app.data() = store;
            }
        }
        Ok(())
    }

    /// The data of every app as one data file: the default app's at the top level, the others
    /// (if any) in an `"apps"` section, so [`Emulator::load_json`] reads it back. With `account`,
    /// only that account's lists, groups and marks.
    pub fn export_json(&self, account: Option<&str>) -> Value {
        let export = |store: &Store| {
            let mut data = store.export();
            if let Some(a) = account {
                data.sessions.retain(|k, _| k == a);
                data.contact_groups.retain(|k, _| k == a);
                data.contacts.retain(|k, _| k == a);
            }
            serde_json::to_value(&data).unwrap_or(Value::Null)
        };
        let mut top = export(self.default_app().store());
        let others: serde_json::Map<String, Value> = self
            .apps()
            .skip(1)
            .map(|a| (a.sdk_app_id().to_string(), export(a.store())))
            .collect();
        if !others.is_empty()
            && let Value::Object(m) = &mut top
        {
            m.insert("apps".to_owned(), Value::Object(others));
        }
        top
    }
}
