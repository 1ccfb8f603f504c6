//! The OpenAPI 3.1 document of the emulator, served at `GET /_emulator/openapi.json`: every IM
//! API of its table (query parameters, request and response bodies) and its admin API.
//!
//! The document is generated from the emulator's own tables, so it lists exactly what the
//! emulator answers: the REST paths from the table of APIs (each [`ApiSpec`] carries its request
//! and response schemas, see [`ApiSpec::schemas`]; one registered without them is listed with
//! an empty schema and `x-tim-schema: "missing"`), the admin paths from the admin router's
//! table. The schemas themselves are JSON Schema 2020-12 written in this module; a test drives
//! every call and endpoint and validates each request and answer against the schema the
//! document gives for its path and status (`tests/openapi.rs`), so they cannot drift unseen.
//!
//! Success answers of the IM APIs and of the admin API are described exactly
//! (`additionalProperties: false`), so a new field fails the test until the schema has it. The
//! request log's entries are the exception: they list their fields but allow more.

use serde_json::{Map, Value, json};

use crate::admin::{ROUTES, Route};
use crate::api::ApiSpec;
use crate::emulator::Emulator;

/// A schema reference to `#/components/schemas/{name}`.
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An object with exactly these properties, the `required` ones required.
fn exact(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The envelope fields of a successful answer, merged with the call's own.
fn ok_answer(mut properties: Map<String, Value>, required: &[&str]) -> Value {
    properties.insert("ActionStatus".into(), json!({ "const": "OK" }));
    properties.insert("ErrorCode".into(), json!({ "const": 0 }));
    properties.insert("ErrorInfo".into(), json!({ "type": "string" }));
    properties.insert("ErrorDisplay".into(), json!({ "type": "string" }));
    let mut all: Vec<&str> = vec!["ActionStatus", "ErrorCode", "ErrorInfo", "ErrorDisplay"];
    all.extend_from_slice(required);
    exact(Value::Object(properties), &all)
}

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn account() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

fn uint() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

fn array_of(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

// --- recentcontact/get_list and delete ---------------------------------------------------

pub(crate) fn get_list_request() -> Value {
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "TimeStamp": uint(),
            "StartIndex": uint(),
            "TopTimeStamp": uint(),
            "TopStartIndex": uint(),
            "AssistFlags": uint(),
        },
        "required": ["From_Account", "TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex", "AssistFlags"],
    })
}

pub(crate) fn get_list_response() -> Value {
    ok_answer(
        props(json!({
            "SessionItem": array_of(r("SessionItem")),
            "CompleteFlag": { "enum": [0, 1] },
            "TimeStamp": uint(),
            "StartIndex": uint(),
            "TopTimeStamp": uint(),
            "TopStartIndex": uint(),
        })),
        &[
            "SessionItem",
            "CompleteFlag",
            "TimeStamp",
            "StartIndex",
            "TopTimeStamp",
            "TopStartIndex",
        ],
    )
}

pub(crate) fn delete_request() -> Value {
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "Type": { "enum": [1, 2] },
            "To_Account": account(),
            "ToGroupid": account(),
            "ClearRamble": { "enum": [0, 1] },
        },
        "required": ["From_Account", "Type"],
        "if": { "properties": { "Type": { "const": 1 } } },
        "then": { "required": ["To_Account"] },
        "else": { "required": ["ToGroupid"] },
    })
}

pub(crate) fn envelope_response() -> Value {
    ok_answer(Map::new(), &[])
}

// --- conversation groups and marks -------------------------------------------------------

pub(crate) fn create_group_request() -> Value {
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "GroupContactItem": {
                "type": "array", "minItems": 1, "maxItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "GroupName": { "type": "string", "minLength": 1 },
                        "ContactItem": array_of(r("ContactItemIn")),
                    },
                    "required": ["GroupName"],
                },
            },
        },
        "required": ["From_Account", "GroupContactItem"],
    })
}

fn item_result(extra: Value) -> Value {
    let mut p = props(json!({
        "ContactItem": r("ContactItem"),
        "ResultCode": { "type": "integer" },
        "ResultInfo": { "type": "string" },
    }));
    let mut required = vec!["ContactItem", "ResultCode", "ResultInfo"];
    for (k, v) in props(extra) {
        p.insert(k, v);
    }
    if p.contains_key("ContactOptType") {
        required.push("ContactOptType");
    }
    if p.contains_key("OptType") {
        required.push("OptType");
    }
    exact(Value::Object(p), &required)
}

pub(crate) fn create_group_response() -> Value {
    ok_answer(
        props(json!({
            "GroupResultItem": array_of(exact(
                json!({
                    "GroupItem": r("GroupItem"),
                    "ResultItem": array_of(item_result(json!({}))),
                }),
                &["GroupItem", "ResultItem"],
            )),
        })),
        &["GroupResultItem"],
    )
}

pub(crate) fn update_group_request() -> Value {
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "UpdateType": { "const": 1 },
            "UpdateGroup": {
                "type": "object",
                "properties": {
                    "UpdateGroupType": { "enum": [1, 2] },
                    "OldGroupName": { "type": "string", "minLength": 1 },
                    "NewGroupName": { "type": "string", "minLength": 1 },
                    "ContactUpdateItem": {
                        "type": "array", "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {
                                "ContactOptType": { "enum": [1, 2] },
                                "ContactItem": r("ContactItemIn"),
                            },
                            "required": ["ContactOptType", "ContactItem"],
                        },
                    },
                },
                "required": ["UpdateGroupType", "OldGroupName"],
            },
        },
        "required": ["From_Account", "UpdateType", "UpdateGroup"],
    })
}

pub(crate) fn update_group_response() -> Value {
    ok_answer(
        props(json!({
            "UpdateType": { "const": 1 },
            "UpdateGroupResult": exact(
                json!({
                    "UpdateGroupType": { "enum": [1, 2] },
                    "GroupName": { "type": "string" },
                    "GroupId": uint(),
                    "OldGroupName": { "type": "string" },
                    "ContactResultItem": array_of(item_result(json!({ "ContactOptType": { "enum": [1, 2] } }))),
                }),
                &["UpdateGroupType", "GroupName", "GroupId", "OldGroupName", "ContactResultItem"],
            ),
        })),
        &["UpdateType", "UpdateGroupResult"],
    )
}

pub(crate) fn del_group_request() -> Value {
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "GroupName": { "type": "array", "minItems": 1, "maxItems": 1, "items": { "type": "string" } },
        },
        "required": ["From_Account", "GroupName"],
    })
}

pub(crate) fn del_group_response() -> Value {
    ok_answer(
        props(json!({ "GroupItem": array_of(r("GroupItem")) })),
        &["GroupItem"],
    )
}

pub(crate) fn get_group_request() -> Value {
    json!({
        "type": "object",
        "properties": { "From_Account": account(), "StartIndex": uint() },
        "required": ["From_Account", "StartIndex"],
    })
}

pub(crate) fn get_group_response() -> Value {
    ok_answer(
        props(json!({
            "ContactItem": array_of(r("ContactResultItem")),
            "GroupItem": array_of(r("GroupItem")),
            "CompleteFlag": { "enum": [0, 1] },
            "NextStartIndex": uint(),
        })),
        &["ContactItem", "GroupItem", "CompleteFlag", "NextStartIndex"],
    )
}

pub(crate) fn search_group_request() -> Value {
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "ContactItem": { "type": "array", "minItems": 1, "maxItems": 300, "items": r("ContactItemIn") },
        },
        "required": ["From_Account", "ContactItem"],
    })
}

pub(crate) fn search_group_response() -> Value {
    ok_answer(
        props(json!({
            "ContactResultItem": array_of(r("ContactResultItem")),
            "GroupItem": array_of(r("GroupItem")),
        })),
        &["ContactResultItem", "GroupItem"],
    )
}

pub(crate) fn mark_request() -> Value {
    let bits =
        json!({ "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 63 } });
    json!({
        "type": "object",
        "properties": {
            "From_Account": account(),
            "MarkItem": {
                "type": "array", "minItems": 1, "maxItems": 100,
                "items": {
                    "type": "object",
                    "properties": {
                        "OptType": { "enum": [1, 2, 3] },
                        "ContactItem": r("ContactItemIn"),
                        "SetMark": bits,
                        "ClearMark": bits,
                        "CustomMark": { "type": "string" },
                    },
                    "required": ["OptType", "ContactItem"],
                },
            },
        },
        "required": ["From_Account", "MarkItem"],
    })
}

pub(crate) fn mark_response() -> Value {
    ok_answer(
        props(json!({
            "ResultItem": array_of(item_result(json!({ "OptType": { "enum": [1, 2, 3] } }))),
        })),
        &["ResultItem"],
    )
}

// --- shared component schemas -------------------------------------------------------------

fn peer_rule(c2c: &str, group: &str) -> Value {
    json!({
        "if": { "properties": { "Type": { "const": 1 } } },
        "then": { "required": [c2c], "not": { "required": [group] } },
        "else": { "required": [group], "not": { "required": [c2c] } },
    })
}

fn components() -> Value {
    let mut session = props(json!({
        "type": "object",
        "properties": {
            "Type": { "enum": [1, 2] },
            "To_Account": { "type": "string" },
            "GroupId": { "type": "string" },
            "MsgTime": uint(),
            "TopFlag": { "enum": [0, 1] },
            "StandardMark": { "type": "string", "pattern": "^[01]{1,64}$" },
            "CustomMark": { "type": "string" },
            "ContactGroupId": array_of(uint()),
        },
        "required": ["Type", "MsgTime", "TopFlag"],
        "additionalProperties": false,
    }));
    session.extend(props(peer_rule("To_Account", "GroupId")));
    let mut contact = props(exact(
        json!({
            "Type": { "enum": [1, 2] },
            "To_Account": { "type": "string" },
            "ToGroupId": { "type": "string" },
        }),
        &["Type"],
    ));
    contact.extend(props(peer_rule("To_Account", "ToGroupId")));
    let mut contact_result = props(exact(
        json!({
            "Type": { "enum": [1, 2] },
            "To_Account": { "type": "string" },
            "ToGroupId": { "type": "string" },
            "StandardMark": { "type": "string", "pattern": "^[01]{1,64}$" },
            "CustomMark": { "type": "string" },
            "ContactGroupId": array_of(uint()),
            "Timestamp": uint(),
        }),
        &["Type", "Timestamp"],
    ));
    contact_result.extend(props(peer_rule("To_Account", "ToGroupId")));
    let mut session_record = props(exact(
        json!({
            "Type": { "enum": [1, 2] },
            "To_Account": { "type": "string" },
            "GroupId": { "type": "string" },
            "MsgTime": uint(),
            "TopFlag": { "enum": [0, 1] },
            "StandardMark": { "type": "string" },
            "CustomMark": { "type": "string" },
            "ContactGroupId": array_of(uint()),
            "Empty": { "type": "boolean" },
        }),
        &["Type", "MsgTime"],
    ));
    session_record.extend(props(peer_rule("To_Account", "GroupId")));
    let by_account =
        |item: Value| json!({ "type": "object", "additionalProperties": array_of(item) });
    let data_props = json!({
        "admins": array_of(json!({ "type": "string" })),
        "accounts": array_of(json!({ "type": "string" })),
        "sessions": by_account(r("SessionRecord")),
        "contact_groups": by_account(r("GroupRecord")),
        "contacts": by_account(r("ContactRecord")),
    });
    let mut multi = props(data_props.clone());
    multi.insert(
        "apps".into(),
        json!({
            "type": "object",
            "propertyNames": { "pattern": "^[0-9]+$" },
            "additionalProperties": r("DataFile"),
        }),
    );
    let settings = exact(
        json!({
            "page_size": { "type": "integer", "minimum": 1 },
            "rate_limit": { "type": ["integer", "null"], "minimum": 0 },
            "edition": r("Edition"),
            "contact_limit": uint(),
            "contact_limit_scope": { "enum": ["total", "per_group"] },
            "contact_page_size": { "type": "integer", "minimum": 1 },
        }),
        &[
            "page_size",
            "rate_limit",
            "edition",
            "contact_limit",
            "contact_limit_scope",
            "contact_page_size",
        ],
    );
    let call_stats = exact(
        json!({
            "arrivals": uint(),
            "calls": uint(),
            "rate_limited": uint(),
            "peak_per_second": uint(),
            "peak_arrivals_per_second": uint(),
        }),
        &[
            "arrivals",
            "calls",
            "rate_limited",
            "peak_per_second",
            "peak_arrivals_per_second",
        ],
    );
    json!({
        "parameters": {
            "sdkappid": { "name": "sdkappid", "in": "query", "required": true, "description": "The app's SDKAppID (an unknown one answers 60006, a missing one 60012).", "schema": { "type": "string", "pattern": "^[0-9]+$" } },
            "identifier": { "name": "identifier", "in": "query", "required": true, "description": "An App admin account.", "schema": { "type": "string", "minLength": 1 } },
            "usersig": { "name": "usersig", "in": "query", "required": true, "description": "The admin's UserSig (TLSSigAPIv2), signed with the app's key.", "schema": { "type": "string" } },
            "random": { "name": "random", "in": "query", "required": true, "description": "A random 32-bit unsigned integer.", "schema": { "type": "string", "pattern": "^[0-9]+$" } },
            "contenttype": { "name": "contenttype", "in": "query", "required": true, "schema": { "const": "json" } },
            "admin_sdkappid": { "name": "sdkappid", "in": "query", "required": false, "description": "The app to act on (default: the default app; for reset, baseline, load and data: every app).", "schema": { "type": "string", "pattern": "^[0-9]+$" } },
            "account": { "name": "account", "in": "query", "required": false, "description": "Only this account's lists, groups and marks.", "schema": { "type": "string" } },
        },
        "schemas": {
            "ErrorEnvelope": exact(
                json!({
                    "ActionStatus": { "const": "FAIL" },
                    "ErrorCode": { "type": "integer", "not": { "const": 0 } },
                    "ErrorInfo": { "type": "string" },
                    "ErrorDisplay": { "type": "string" },
                }),
                &["ActionStatus", "ErrorCode", "ErrorInfo", "ErrorDisplay"],
            ),
            "SessionItem": Value::Object(session),
            "ContactItem": Value::Object(contact),
            "ContactItemIn": {
                "type": "object",
                "description": "A conversation: Type 1 with To_Account, or 2 with ToGroupId (Type may also be the string \"1\" or \"2\").",
                "properties": {
                    "Type": { "enum": [1, 2, "1", "2"] },
                    "To_Account": { "type": "string", "minLength": 1 },
                    "ToGroupId": { "type": "string", "minLength": 1 },
                },
                "required": ["Type"],
            },
            "ContactResultItem": Value::Object(contact_result),
            "GroupItem": exact(
                json!({ "GroupName": { "type": "string" }, "GroupId": uint() }),
                &["GroupName", "GroupId"],
            ),
            "AdminError": exact(json!({ "error": { "type": "string" } }), &["error"]),
            "Ok": exact(json!({ "ok": { "const": true } }), &["ok"]),
            "Edition": { "enum": ["developer", "pro", "pro_plus", "enterprise"] },
            "SessionRecord": Value::Object(session_record),
            "GroupRecord": exact(
                json!({ "GroupId": { "type": "integer", "minimum": 1 }, "GroupName": { "type": "string", "minLength": 1 } }),
                &["GroupId", "GroupName"],
            ),
            "ContactRecord": {
                "type": "object",
                "properties": {
                    "Type": { "enum": [1, 2] },
                    "To_Account": { "type": "string" },
                    "GroupId": { "type": "string" },
                    "StandardMark": { "type": "string" },
                    "CustomMark": { "type": "string" },
                    "ContactGroupId": array_of(uint()),
                    "Timestamp": uint(),
                },
                "required": ["Type"],
                "additionalProperties": false,
            },
            "DataFile": {
                "type": "object",
                "description": "One app's data set.",
                "properties": data_props,
                "additionalProperties": false,
            },
            "DataFileWithApps": {
                "type": "object",
                "description": "The default app's data set at the top level, other apps' under `apps` by SDKAppID.",
                "properties": Value::Object(multi),
                "additionalProperties": false,
            },
            "Target": {
                "type": "object",
                "properties": {
                    "From_Account": account(),
                    "Type": { "enum": [1, 2] },
                    "To_Account": account(),
                    "GroupId": account(),
                },
                "required": ["From_Account", "Type"],
                "additionalProperties": false,
            },
            "Settings": settings,
            "CallStats": call_stats,
            "Faults": exact(
                json!({
                    "pending": array_of(exact(
                        json!({ "fault": { "type": "string" }, "remaining": uint(), "api": { "type": ["string", "null"] } }),
                        &["fault", "remaining", "api"],
                    )),
                    "rates": array_of(exact(
                        json!({ "fault": { "type": "string" }, "rate": { "type": "number", "minimum": 0, "maximum": 1 }, "api": { "type": ["string", "null"] } }),
                        &["fault", "rate", "api"],
                    )),
                }),
                &["pending", "rates"],
            ),
            "LogEntry": {
                "type": "object",
                "properties": {
                    "at_ms": uint(),
                    "method": { "type": "string" },
                    "path": { "type": "string" },
                    "query": { "type": "string" },
                    "body": { "type": "string" },
                    "status": uint(),
                    "error_code": { "type": ["integer", "null"] },
                    "fault": { "type": ["string", "null"] },
                },
                "required": ["at_ms", "method", "path", "query", "body", "status", "error_code", "fault"],
            },
            "StateFile": exact(
                json!({
                    "version": { "const": crate::state::STATE_VERSION },
                    "apps": array_of(exact(
                        json!({
                            "sdkappid": uint(),
                            "settings": r("Settings"),
                            "data": r("DataFile"),
                            "baseline_settings": r("Settings"),
                            "baseline": r("DataFile"),
                        }),
                        &["sdkappid", "settings", "data", "baseline_settings", "baseline"],
                    )),
                }),
                &["version", "apps"],
            ),
        },
    })
}

// --- the document -----------------------------------------------------------------------

fn rest_operation(api: &ApiSpec) -> Value {
    let (request, response, missing) = match api.schemas {
        Some(s) => ((s.request)(), (s.response)(), false),
        None => (json!({}), json!({}), true),
    };
    let params: Vec<Value> = ["sdkappid", "identifier", "usersig", "random", "contenttype"]
        .iter()
        .map(|p| json!({ "$ref": format!("#/components/parameters/{p}") }))
        .collect();
    let mut op = json!({
        "operationId": api.path.replace('/', "."),
        "summary": format!("v4/{}", api.path),
        "tags": ["im"],
        "parameters": params,
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": request } },
        },
        "responses": {
            "200": {
                "description": "The answer: success, or an error envelope (every API error is HTTP 200, as the service answers).",
                "content": { "application/json": { "schema": { "anyOf": [response, r("ErrorEnvelope")] } } },
            },
            "default": {
                "description": "An injected HTTP-status fault: an nginx-style HTML page.",
                "content": { "text/html": { "schema": { "type": "string" } } },
            },
        },
    });
    if missing && let Value::Object(m) = &mut op {
        m.insert("x-tim-schema".into(), "missing".into());
    }
    op
}

/// The request and answer schemas of an admin endpoint and method (`None` for a request: no
/// body).
fn admin_schemas(path: &str, post: bool) -> Option<(Option<Value>, Value)> {
    let ok = || r("Ok");
    let s = match (path, post) {
        ("/health", _) => (
            None,
            exact(
                json!({ "ok": { "const": true }, "sdkappid": uint(), "now": uint() }),
                &["ok", "sdkappid", "now"],
            ),
        ),
        ("/apps", false) => (
            None,
            exact(
                json!({ "apps": array_of(exact(
                    json!({
                        "sdkappid": uint(),
                        "default": { "type": "boolean" },
                        "admins": array_of(json!({ "type": "string" })),
                        "accounts": uint(),
                    }),
                    &["sdkappid", "default", "admins", "accounts"],
                )) }),
                &["apps"],
            ),
        ),
        ("/openapi.json", false) => (
            None,
            json!({ "type": "object", "required": ["openapi", "info", "paths", "components"] }),
        ),
        ("/load", true) => (
            Some(r("DataFileWithApps")),
            exact(
                json!({ "ok": { "const": true }, "accounts": uint() }),
                &["ok", "accounts"],
            ),
        ),
        ("/data", false) => (None, r("DataFileWithApps")),
        ("/baseline" | "/reset" | "/faults/clear" | "/log/clear", true) => (None, ok()),
        ("/message", true) => (
            Some(json!({
                "type": "object",
                "properties": {
                    "From_Account": account(),
                    "Type": { "enum": [1, 2] },
                    "To_Account": account(),
                    "GroupId": account(),
                    "MsgTime": uint(),
                },
                "required": ["From_Account", "Type"],
                "additionalProperties": false,
            })),
            exact(
                json!({ "ok": { "const": true }, "MsgTime": uint() }),
                &["ok", "MsgTime"],
            ),
        ),
        ("/pin" | "/unpin", true) => (Some(r("Target")), ok()),
        ("/delete", true) => (
            Some(r("Target")),
            exact(
                json!({ "ok": { "const": true }, "existed": { "type": "boolean" } }),
                &["ok", "existed"],
            ),
        ),
        ("/faults", false) => (None, r("Faults")),
        ("/faults", true) => (
            Some(json!({ "oneOf": [
                { "type": "string", "description": "One fault spec, e.g. status=502,count=1." },
                { "type": "array", "items": { "type": "string" } },
            ] })),
            r("Faults"),
        ),
        ("/log", false) => (None, array_of(r("LogEntry"))),
        ("/stats", false) => (
            None,
            exact(
                json!({
                    "sdkappid": uint(),
                    "app": r("CallStats"),
                    "apis": { "type": "object", "additionalProperties": r("CallStats") },
                }),
                &["sdkappid", "app", "apis"],
            ),
        ),
        ("/clock", false) => (
            None,
            exact(
                json!({ "now": uint(), "shift": { "type": "integer" } }),
                &["now", "shift"],
            ),
        ),
        ("/clock", true) => (
            Some(json!({
                "type": "object",
                "properties": { "now": uint(), "shift": { "type": "integer" } },
                "additionalProperties": false,
                "minProperties": 1,
                "maxProperties": 1,
            })),
            exact(
                json!({ "now": uint(), "shift": { "type": "integer" } }),
                &["now", "shift"],
            ),
        ),
        ("/config", false) => (None, config_answer()),
        ("/config", true) => (
            Some(json!({
                "type": "object",
                "properties": {
                    "page_size": { "type": "integer", "minimum": 1 },
                    "rate_limit": { "type": ["integer", "null"], "minimum": 0 },
                    "edition": r("Edition"),
                    "contact_limit": uint(),
                    "contact_limit_scope": { "enum": ["total", "per_group"] },
                    "contact_page_size": { "type": "integer", "minimum": 1 },
                },
                "additionalProperties": false,
            })),
            config_answer(),
        ),
        ("/usersig", true) => (
            Some(exact(
                json!({ "identifier": { "type": "string", "minLength": 1 }, "expire": uint() }),
                &[],
            )),
            exact(
                json!({ "usersig": { "type": "string" }, "identifier": { "type": "string" }, "expire": uint() }),
                &["usersig", "identifier", "expire"],
            ),
        ),
        ("/state", false) => (None, r("StateFile")),
        ("/save", true) => (
            None,
            exact(
                json!({ "ok": { "const": true }, "path": { "type": "string" }, "bytes": uint() }),
                &["ok", "path", "bytes"],
            ),
        ),
        _ => return None,
    };
    Some(s)
}

fn config_answer() -> Value {
    let mut p = props(json!({ "sdkappid": uint() }));
    p.extend(props(json!({
        "page_size": { "type": "integer", "minimum": 1 },
        "rate_limit": { "type": ["integer", "null"], "minimum": 0 },
        "edition": r("Edition"),
        "contact_limit": uint(),
        "contact_limit_scope": { "enum": ["total", "per_group"] },
        "contact_page_size": { "type": "integer", "minimum": 1 },
    })));
    exact(
        Value::Object(p),
        &[
            "sdkappid",
            "page_size",
            "rate_limit",
            "edition",
            "contact_limit",
            "contact_limit_scope",
            "contact_page_size",
        ],
    )
}

fn admin_operation(route: &Route, post: bool) -> Value {
    let (request, response, missing) = match admin_schemas(route.path, post) {
        Some((req, resp)) => (req, resp, false),
        None => (None, json!({}), true),
    };
    let params: Vec<Value> = route
        .query
        .iter()
        .map(|p| {
            let name = if *p == "sdkappid" {
                "admin_sdkappid"
            } else {
                p
            };
            json!({ "$ref": format!("#/components/parameters/{name}") })
        })
        .collect();
    let error = json!({ "content": { "application/json": { "schema": r("AdminError") } } });
    let with = |d: &str| {
        let mut e = error.clone();
        if let Value::Object(m) = &mut e {
            m.insert("description".into(), d.into());
        }
        e
    };
    let mut responses = json!({
        "200": { "description": "Done.", "content": { "application/json": { "schema": response } } },
        "400": with("Bad input: an unknown field or query parameter, a wrong type; the message names it."),
        "404": with("No app with that sdkappid, or no such conversation."),
        "405": with("Method not allowed."),
    });
    if route.path == "/save"
        && let Value::Object(m) = &mut responses
    {
        m.insert("409".into(), with("No state file is configured."));
        m.insert(
            "500".into(),
            with("Writing the state file failed (it is as it was)."),
        );
        m.insert(
            "501".into(),
            with("No server around the core to write the file."),
        );
    }
    let mut op = json!({
        "operationId": format!("admin{}.{}", route.path.replace(['/', '.'], "_"), if post { "post" } else { "get" }),
        "summary": route.summary,
        "tags": ["admin"],
        "parameters": params,
        "responses": responses,
    });
    if let Value::Object(m) = &mut op {
        if let Some(req) = request {
            m.insert(
                "requestBody".into(),
                json!({ "required": false, "content": { "application/json": { "schema": req } } }),
            );
        }
        if route.path == "/faults" && post {
            m.insert(
                "requestBody".into(),
                json!({ "required": true, "content": {
                    "application/json": { "schema": admin_schemas("/faults", true).and_then(|s| s.0).unwrap_or(Value::Null) },
                    "text/plain": { "schema": { "type": "string", "description": "One fault spec per non-empty line." } },
                } }),
            );
        }
        if missing {
            m.insert("x-tim-schema".into(), "missing".into());
        }
    }
    op
}

/// The OpenAPI 3.1 document of `emulator`: its table of APIs (registered ones included) and
/// the admin API.
pub fn document(emulator: &Emulator) -> Value {
    let mut paths = Map::new();
    for api in emulator.api_specs() {
        paths.insert(
            format!("/v4/{}", api.path),
            json!({ "post": rest_operation(api) }),
        );
    }
    for route in ROUTES {
        let mut item = Map::new();
        if route.get {
            item.insert("get".into(), admin_operation(route, false));
        }
        if route.post {
            item.insert("post".into(), admin_operation(route, true));
        }
        paths.insert(format!("/_emulator{}", route.path), Value::Object(item));
    }
    paths.insert(
        "/_emulator/echo".into(),
        json!({ "post": {
            "operationId": "admin_echo",
            "summary": "Any method: the body verbatim, status from ?status=NNN, each request header h returned as x-echo-h.",
            "tags": ["admin"],
            "parameters": [{ "name": "status", "in": "query", "required": false, "schema": { "type": "string", "pattern": "^[0-9]{3}$" } }],
            "requestBody": { "required": false, "content": { "*/*": { "schema": {} } } },
            "responses": { "default": { "description": "The request body, verbatim.", "content": { "*/*": { "schema": {} } } } },
        } }),
    );
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "tim-emulator",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A fake of the Tencent Cloud IM REST service (the v4/recentcontact family) and its admin API under /_emulator/. Generated from the emulator's tables; see docs/emulator.md.",
        },
        "tags": [
            { "name": "im", "description": "The IM REST calls, as the service answers them." },
            { "name": "admin", "description": "The emulator's admin API (not rate limited, faulted or logged)." },
        ],
        "paths": paths,
        "components": components(),
    })
}
