//! The OpenAPI document the emulator serves (`GET /_emulator/openapi.json`) is true: every IM
//! call and admin endpoint is driven through `Emulator::handle`, and each request and answer is
//! validated (JSON Schema 2020-12, `jsonschema`) against the schema the served document gives
//! for its path, method and status. The document lists exactly the endpoints the test drives
//! and every API of the emulator's table, each with its schemas.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use common::{SDKAPPID, config};
use serde_json::{Value, json};
use tim_emulator::api::{ApiFailure, ApiSpec, CallContext};
use tim_emulator::{Config, Emulator, Store};

const NOW: Duration = Duration::from_secs(1_750_000_000);
const B: u64 = 1_400_000_001;

/// `~` and `/` escaped for a JSON pointer.
fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

struct Run {
    emu: Emulator,
    doc: Value,
    /// (method, path) of every call made.
    seen: BTreeSet<(String, String)>,
    /// (method, path, status) of every answer validated.
    validated: BTreeSet<(String, String, u16)>,
    sig: String,
}

impl Run {
    fn new() -> Self {
        let mut emu = Emulator::new(config());
        let mut b = Config::new(B, "key-b");
        b.admins = vec!["admin".to_owned()];
        emu.add_app(b).expect("app b");
        let sig = emu.sign("admin", NOW.as_secs(), 86_400).expose().to_owned();
        let mut run = Run {
            emu,
            doc: Value::Null,
            seen: BTreeSet::new(),
            validated: BTreeSet::new(),
            sig,
        };
        let (status, doc) = run.admin("GET", "/openapi.json", "");
        assert_eq!(status, 200);
        run.doc = doc;
        // The document read before the first validation is validated too.
        let (_, doc) = run.admin("GET", "/openapi.json", "");
        assert_eq!(doc, run.doc, "the document does not depend on the state");
        run
    }

    /// Errors of `instance` against the schema at `pointer` in the document.
    fn errors(&self, pointer: &str, instance: &Value) -> Vec<String> {
        assert!(
            self.doc.pointer(pointer).is_some(),
            "the document has no schema at {pointer}"
        );
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#{pointer}"),
            "paths": self.doc["paths"],
            "components": self.doc["components"],
        });
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"));
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    fn check(&self, what: &str, pointer: &str, instance: &Value) {
        let errors = self.errors(pointer, instance);
        assert!(
            errors.is_empty(),
            "{what} does not match {pointer}:\n{}\n{instance:#}",
            errors.join("\n")
        );
    }

    /// Sends one request; validates the answer (and, when `valid_request`, the request body)
    /// against the document. Returns the status and the JSON answer (`Null` if not JSON).
    fn send(
        &mut self,
        method: &str,
        target: &str,
        body: &str,
        valid_request: bool,
    ) -> (u16, Value) {
        let path = target.split('?').next().unwrap_or(target).to_owned();
        let request = http::Request::builder()
            .method(method)
            .uri(format!("http://emulator{target}"))
            .body(Bytes::from(body.to_owned()))
            .expect("request");
        let reply = self.emu.handle(NOW, request);
        let status = reply.response.status().as_u16();
        let json_answer = reply
            .response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v == "application/json");
        let answer: Value = if json_answer {
            serde_json::from_slice(reply.response.body()).expect("a json answer")
        } else {
            Value::Null
        };
        let op = format!("/paths/{}/{}", esc(&path), method.to_lowercase());
        if status == 405 && !self.doc.is_null() {
            // A method the path does not have: no operation to look up, the shared error.
            assert!(
                self.doc.pointer(&op).is_none(),
                "{method} {path} answered 405"
            );
            self.check("a 405 answer", "/components/schemas/AdminError", &answer);
            self.validated.insert((method.to_owned(), path, status));
            return (status, answer);
        }
        self.seen.insert((method.to_owned(), path.clone()));
        if self.doc.is_null() {
            return (status, answer);
        }
        assert!(
            self.doc.pointer(&op).is_some(),
            "{method} {path} is not in the document"
        );
        if json_answer {
            let code = status.to_string();
            let key = if self
                .doc
                .pointer(&format!("{op}/responses/{code}"))
                .is_some()
            {
                code
            } else {
                "default".to_owned()
            };
            self.check(
                &format!("the answer of {method} {target} ({status})"),
                &format!("{op}/responses/{key}/content/application~1json/schema"),
                &answer,
            );
            self.validated.insert((method.to_owned(), path, status));
        }
        let body_json: Option<Value> = serde_json::from_str(body).ok();
        if valid_request
            && status == 200
            && let Some(b) = body_json
        {
            self.check(
                &format!("the request of {method} {target}"),
                &format!("{op}/requestBody/content/application~1json/schema"),
                &b,
            );
        }
        (status, answer)
    }

    fn admin(&mut self, method: &str, route: &str, body: &str) -> (u16, Value) {
        let (status, answer) = self.send(method, &format!("/_emulator{route}"), body, true);
        (status, answer)
    }

    /// An IM call of the default app; the request is validated when the call succeeds.
    fn call(&mut self, api: &str, body: &str) -> Value {
        let target = format!(
            "/v4/recentcontact/{api}?sdkappid={SDKAPPID}&identifier=admin&usersig={}&random=5&contenttype=json",
            self.sig
        );
        let (status, answer) = self.send("POST", &target, body, false);
        assert_eq!(status, 200);
        if answer["ErrorCode"] == 0 {
            let op = format!("/paths/{}/post", esc(&format!("/v4/recentcontact/{api}")));
            let b: Value = serde_json::from_str(body).expect("json body");
            self.check(
                &format!("the request of {api}"),
                &format!("{op}/requestBody/content/application~1json/schema"),
                &b,
            );
        }
        answer
    }
}

#[test]
fn every_call_and_admin_endpoint_answers_as_the_served_document_says() {
    let mut run = Run::new();
    let data = r#"{"admins":["admin"],"accounts":["bob"],
        "sessions":{"alice":[{"Type":1,"To_Account":"bob","MsgTime":30,"TopFlag":1},
                             {"Type":2,"GroupId":"g1","MsgTime":20,"StandardMark":"101","CustomMark":"x"},
                             {"Type":1,"To_Account":"carol","MsgTime":10,"Empty":true}]},
        "contact_groups":{"alice":[{"GroupId":1,"GroupName":"friends"}]},
        "contacts":{"alice":[{"Type":1,"To_Account":"bob","ContactGroupId":[1],"Timestamp":5}]},
        "apps":{"1400000001":{"accounts":["zed"]}}}"#;
    assert_eq!(run.admin("POST", "/load", data).0, 200);

    // The IM calls: every one of the table, successes and error envelopes.
    let page = run.call(
        "get_list",
        r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":63}"#,
    );
    assert_eq!(page["ErrorCode"], 0, "{page}");
    assert!(
        page["SessionItem"][0]["ContactGroupId"].is_array(),
        "{page}"
    );
    let missing = run.call(
        "get_list",
        r#"{"From_Account":"nobody","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
    );
    assert_eq!(missing["ErrorCode"], 50_001);
    let created = run.call(
        "create_contact_group",
        r#"{"From_Account":"alice","GroupContactItem":[{"GroupName":"work","ContactItem":[{"Type":2,"ToGroupId":"g1"},{"Type":1,"To_Account":"ghost"}]}]}"#,
    );
    assert_eq!(created["ErrorCode"], 0, "{created}");
    let renamed = run.call(
        "update_contact_group",
        r#"{"From_Account":"alice","UpdateType":1,"UpdateGroup":{"UpdateGroupType":1,"OldGroupName":"work","NewGroupName":"job"}}"#,
    );
    assert_eq!(renamed["ErrorCode"], 0, "{renamed}");
    let members = run.call(
        "update_contact_group",
        r#"{"From_Account":"alice","UpdateType":1,"UpdateGroup":{"UpdateGroupType":2,"OldGroupName":"job","ContactUpdateItem":[{"ContactOptType":1,"ContactItem":{"Type":1,"To_Account":"bob"}},{"ContactOptType":2,"ContactItem":{"Type":"2","ToGroupId":"g1"}}]}}"#,
    );
    assert_eq!(members["ErrorCode"], 0, "{members}");
    let marked = run.call(
        "mark_contact",
        r#"{"From_Account":"alice","MarkItem":[{"OptType":1,"ContactItem":{"Type":1,"To_Account":"bob"},"SetMark":[0,3],"ClearMark":[1]},{"OptType":2,"ContactItem":{"Type":2,"ToGroupId":"g1"},"CustomMark":"vip"}]}"#,
    );
    assert_eq!(marked["ErrorCode"], 0, "{marked}");
    let found = run.call(
        "search_contact_group",
        r#"{"From_Account":"alice","ContactItem":[{"Type":1,"To_Account":"bob"},{"Type":2,"ToGroupId":"nope"}]}"#,
    );
    assert_eq!(found["ErrorCode"], 0, "{found}");
    let groups = run.call(
        "get_contact_group",
        r#"{"From_Account":"alice","StartIndex":0}"#,
    );
    assert_eq!(groups["ErrorCode"], 0, "{groups}");
    assert!(!groups["ContactItem"].as_array().expect("items").is_empty());
    let deleted_group = run.call(
        "del_contact_group",
        r#"{"From_Account":"alice","GroupName":["job"]}"#,
    );
    assert_eq!(deleted_group["ErrorCode"], 0, "{deleted_group}");
    let too_many = run.call("mark_contact", r#"{"From_Account":"alice","MarkItem":[]}"#);
    assert_eq!(too_many["ErrorCode"], 51_006);
    let deleted = run.call(
        "delete",
        r#"{"From_Account":"alice","Type":2,"ToGroupid":"g1","ClearRamble":1}"#,
    );
    assert_eq!(deleted["ErrorCode"], 0, "{deleted}");

    // The admin API: every endpoint and method, and each kind of error answer.
    let ok = |run: &mut Run, method: &str, route: &str, body: &str| {
        let (status, answer) = run.admin(method, route, body);
        assert_eq!(status, 200, "{method} {route}: {answer}");
        answer
    };
    ok(&mut run, "GET", "/health", "");
    ok(&mut run, "POST", "/health", "");
    ok(&mut run, "GET", &format!("/health?sdkappid={B}"), "");
    ok(&mut run, "GET", "/apps", "");
    ok(&mut run, "GET", "/data", "");
    ok(
        &mut run,
        "GET",
        &format!("/data?sdkappid={B}&account=zed"),
        "",
    );
    ok(
        &mut run,
        "POST",
        "/message",
        r#"{"From_Account":"alice","Type":1,"To_Account":"dan","MsgTime":40}"#,
    );
    ok(
        &mut run,
        "POST",
        "/message",
        r#"{"From_Account":"alice","Type":2,"GroupId":"g9"}"#,
    );
    ok(
        &mut run,
        "POST",
        "/pin",
        r#"{"From_Account":"alice","Type":1,"To_Account":"dan"}"#,
    );
    ok(
        &mut run,
        "POST",
        "/unpin",
        r#"{"From_Account":"alice","Type":1,"To_Account":"dan"}"#,
    );
    ok(
        &mut run,
        "POST",
        "/delete",
        r#"{"From_Account":"alice","Type":2,"GroupId":"g9"}"#,
    );
    ok(
        &mut run,
        "POST",
        "/faults",
        r#"["code=70001,count=2,api=recentcontact/get_list","status=502,rate=0"]"#,
    );
    ok(&mut run, "POST", "/faults", r#""delay=5ms,count=1""#);
    let (status, _) = run.send(
        "POST",
        "/_emulator/faults",
        "drop,count=1\nlatency=1ms",
        false,
    );
    assert_eq!(status, 200);
    ok(&mut run, "GET", "/faults", "");
    ok(&mut run, "POST", "/faults/clear", "");
    ok(&mut run, "GET", "/log", "");
    ok(&mut run, "GET", "/stats", "");
    ok(&mut run, "GET", "/clock", "");
    ok(&mut run, "POST", "/clock", r#"{"shift":-30}"#);
    ok(&mut run, "POST", "/clock", r#"{"now":1750000100}"#);
    ok(&mut run, "GET", "/config", "");
    ok(
        &mut run,
        "POST",
        &format!("/config?sdkappid={B}"),
        r#"{"page_size":5,"rate_limit":null,"edition":"pro_plus","contact_limit":10,"contact_limit_scope":"per_group","contact_page_size":3}"#,
    );
    ok(
        &mut run,
        "POST",
        "/usersig",
        r#"{"identifier":"admin","expire":60}"#,
    );
    ok(&mut run, "GET", "/state", "");
    ok(&mut run, "POST", "/baseline", "");
    ok(&mut run, "POST", "/log/clear", "");
    ok(&mut run, "POST", &format!("/reset?sdkappid={B}"), "");
    ok(&mut run, "POST", "/reset", "");
    let (status, _) = run.admin("POST", "/save", "");
    assert_eq!(status, 409);
    run.emu.set_state_file(Some(
        std::env::temp_dir().join("tim-openapi-never-written.json"),
    ));
    let (status, _) = run.admin("POST", "/save", "");
    assert_eq!(status, 501);
    let (status, _) = run.send("POST", "/_emulator/echo?status=201", "anything", false);
    assert_eq!(status, 201);

    // Error answers of the admin API match their schema too.
    let bad = run.admin("POST", "/usersig", r#"{"identifer":"admin"}"#);
    assert_eq!(bad.0, 400);
    assert_eq!(run.admin("GET", "/config?sdkappid=1400000999", "").0, 404);
    assert_eq!(run.admin("GET", "/reset", "").0, 405);
    assert_eq!(
        run.admin(
            "POST",
            "/pin",
            r#"{"From_Account":"alice","Type":1,"To_Account":"nobody"}"#
        )
        .0,
        404
    );

    // Every documented operation was driven, and nothing undocumented was.
    let documented: BTreeSet<(String, String)> = run.doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(run.seen, documented);
    // Every API of the table is documented with its schemas.
    let apis: Vec<&str> = run.emu.apis().collect();
    assert_eq!(apis.len(), 8);
    for api in apis {
        let op = &run.doc["paths"][format!("/v4/{api}")]["post"];
        assert!(op.is_object(), "{api} is not documented");
        assert!(op.get("x-tim-schema").is_none(), "{api} has no schemas");
        for q in ["sdkappid", "identifier", "usersig", "random", "contenttype"] {
            assert!(
                op["parameters"]
                    .as_array()
                    .expect("parameters")
                    .contains(&json!({ "$ref": format!("#/components/parameters/{q}") })),
                "{api} lacks the {q} parameter"
            );
        }
    }
    // Each JSON answer was checked against a schema (a sample of the statuses seen).
    for (m, p, s) in [
        ("POST", "/v4/recentcontact/get_list", 200),
        ("GET", "/_emulator/openapi.json", 200),
        ("POST", "/_emulator/usersig", 400),
        ("GET", "/_emulator/config", 404),
        ("GET", "/_emulator/reset", 405),
        ("POST", "/_emulator/save", 409),
    ] {
        assert!(
            run.validated.contains(&(m.to_owned(), p.to_owned(), s)),
            "{m} {p} {s} not validated"
        );
    }
}

#[test]
fn the_schemas_refuse_what_the_emulator_would_not_answer() {
    let run = Run::new();
    let get_list = format!(
        "/paths/{}/post/responses/200/content/application~1json/schema",
        esc("/v4/recentcontact/get_list")
    );
    let good = json!({"SessionItem": [{"Type": 1, "To_Account": "bob", "MsgTime": 1, "TopFlag": 0}],
        "CompleteFlag": 1, "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0,
        "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": ""});
    assert!(run.errors(&get_list, &good).is_empty());
    let mut extra = good.clone();
    extra["Surprise"] = json!(1);
    assert!(!run.errors(&get_list, &extra).is_empty(), "a new field");
    let mut both = good.clone();
    both["SessionItem"][0]["GroupId"] = json!("g");
    assert!(!run.errors(&get_list, &both).is_empty(), "both peer fields");
    let mut wrong = good;
    wrong["CompleteFlag"] = json!("1");
    assert!(!run.errors(&get_list, &wrong).is_empty(), "a wrong type");
    let error = json!({"ActionStatus": "FAIL", "ErrorCode": 70001, "ErrorInfo": "expired", "ErrorDisplay": ""});
    assert!(run.errors(&get_list, &error).is_empty());
}

fn nothing(_: &mut Store, _: &Value, _: &CallContext) -> Result<Bytes, ApiFailure> {
    Ok(Bytes::from_static(b"{}"))
}

#[test]
fn a_registered_api_without_schemas_is_listed_as_missing_them() {
    let mut emu = Emulator::new(config());
    emu.register(ApiSpec::new("test/nothing", nothing));
    let doc = tim_emulator::openapi::document(&emu);
    let op = &doc["paths"]["/v4/test/nothing"]["post"];
    assert_eq!(op["x-tim-schema"], "missing");
    let with = ApiSpec::new("test/described", nothing)
        .schemas(|| json!({"type": "object"}), || json!({"type": "object"}));
    emu.register(with);
    let doc = tim_emulator::openapi::document(&emu);
    let op = &doc["paths"]["/v4/test/described"]["post"];
    assert!(op.get("x-tim-schema").is_none());
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"],
        json!({"type": "object"})
    );
}
