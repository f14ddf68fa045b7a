"""An Open311 GeoReport v2 client, written from the specification (wiki.open311.org/GeoReport_v2)
and the documented contract of the web door (adapters/web/web.h), as an outsider would: it
shares no code or assumptions with suqiu-web.  Every endpoint under /open311/v2/ is asked in
both formats, XML (parsed with xml.etree.ElementTree) and JSON, and the two must carry the
same content.

What the specification asks, and is checked here:
  - GET services.{fmt}: service_code, service_name, description, metadata, type
    (realtime|batch|blackbox), keywords, group; codes unique.
  - GET services/{code}.{fmt}: service_code and attributes; unknown code -> 404.
  - POST requests.{fmt}: form-encoded UTF-8; api_key (403), service_code, a location (lat and
    long together, or address_string, or address_id); description optional, at most 4,000
    characters, no HTML; answers a list of one element with service_request_id or token, and
    optionally service_notice and account_id.
  - GET tokens/{token}.{fmt}; GET requests.{fmt} (service_request_id list, service_code,
    start_date/end_date at most 90 days apart, status open/closed, comma-delimited); GET
    requests/{id}.{fmt}; every datetime ISO 8601 with a zone.
  - Errors: JSON [{"code", "description"}], XML <errors><error><code/><description/></error>
    </errors>, the HTTP status equal to the code.
And the hostile input a public endpoint gets: invalid UTF-8, SQL and HTML in every text field,
a 50 MB body, the wrong Content-Type, unknown fields, forged ids and broken percent-escapes:
each answered in the spec's error format, or stored inertly and returned exactly, and never a
partial row.

One hub serves every test but the token test, which stops the broker (so the web door must
keep the request in its spool and answer with a token) and has a hub of its own.
"""
import datetime
import itertools
import json
import os
import re
import select
import socket
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import harness

BASE = "/open311/v2/"
API_KEY = "dev-open311-key"
FORMATS = ("json", "xml")
FORM = "application/x-www-form-urlencoded"
FORM_UTF8 = FORM + "; charset=utf-8"

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group")
SERVICE_TYPES = ("realtime", "batch", "blackbox")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url")
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
POST_ANSWER_FIELDS = {"service_request_id", "token", "service_notice", "account_id"}
# The spec's subset of ISO 8601 (the W3C note): date, time, optional fraction, a zone.
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

SQL = "'; DROP TABLE complaint; --"
HTML = "<script>alert(1)</script>"
# POST fields the client writes as text, and where GET requests gives each back (None: not shown).
TEXT_FIELDS = {
    "description": "description", "address_string": "address", "address_id": "address_id",
    "email": None, "device_id": None, "account_id": None, "first_name": None, "last_name": None,
    "phone": None, "media_url": "media_url", "attribute[note]": None,
}

ROOT = harness.ROOT
_serial = itertools.count(1)


def catalogue(path, key="categories"):
    """[(id, {key: value})] of the '  - id: X' records of one list of a config YAML file (the list
    under key; id, name, group, description: plain one-line scalars, enough for the checks here)."""
    records = []
    inside = False
    with open(path, encoding="utf-8") as text:
        for line in text:
            stripped = line.strip()
            if line[:1] not in (" ", "#", "\n", "") and ":" in line:
                inside = line.split(":", 1)[0] == key     # a top-level key opens another list
                continue
            if not inside or stripped.startswith("#") or ":" not in stripped:
                continue
            if stripped.startswith("- id:"):
                records.append((stripped[len("- id:"):].strip(), {}))
                continue
            if records and line.startswith("    ") and not line.startswith("     "):
                key, _, value = stripped.partition(":")
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                records[-1][1][key.strip()] = value
    return records


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc_text(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def norm(field, value):
    """A value of a JSON or XML answer in one comparable form: absent/null/empty -> '',
    booleans as 'true'/'false', coordinates to 6 decimals, keywords as a list."""
    if value is None:
        return ""
    if field == "keywords":
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(k).strip() for k in items if str(k).strip()]
    if isinstance(value, bool):
        return "true" if value else "false"
    if field in ("lat", "long") and value != "":
        return "%.6f" % float(value)
    if isinstance(value, (int, float)):
        return str(value)
    return value


def big_post(port, path, size, chunk=1 << 16):
    """POST a form body of size bytes on a raw socket, stopping early when the server answers
    (or closes) before the end; returns a harness.Response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
                      "Content-Length: %d\r\nConnection: close\r\n\r\n"
                      % (path, FORM, size)).encode("ascii"))
        block = b"a" * chunk
        sent = 0
        while sent < size:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = block[:min(chunk, size - sent)]
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        data = b""
        while True:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
                if length and len(body) >= int(length.group(1)):
                    break
    finally:
        sock.close()
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError("no HTTP answer to a %d-byte body (got %r after sending %d bytes)"
                             % (size, data[:200], sent))
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]
               if ":" in line]
    return harness.Response(status, headers, body)


class Open311Case(unittest.TestCase):
    """An Open311 client on self.hub's web door, with the checks every answer gets."""

    maxDiff = None
    hub = None

    # --- HTTP ---

    def url(self, resource, fmt, query=None):
        path = BASE + resource + "." + fmt
        if query:
            path += "?" + (query if isinstance(query, str) else urllib.parse.urlencode(query))
        return path

    def call(self, method, resource, fmt, query=None, body=None, headers=None):
        return harness.http_request(self.hub.web_port, method, self.url(resource, fmt, query),
                                    body, headers)

    def post(self, fields, fmt="json", content_type=FORM_UTF8, raw=None):
        """POST requests.{fmt} with fields (a dict or pairs, form-encoded as UTF-8) or a raw body."""
        body = raw if raw is not None else urllib.parse.urlencode(fields)
        headers = {"Content-Type": content_type} if content_type else {}
        return self.call("POST", "requests", fmt, body=body, headers=headers)

    def count(self):
        return int(self.hub.sql_value("SELECT count(*) FROM complaint"))

    def fields(self, **changes):
        """A valid request: a noise complaint, every optional field of the spec set, unique
        text, phone and address so that no two are taken for repeats of one incident."""
        n = next(_serial)
        fields = {
            "api_key": API_KEY, "service_code": "env.noise",
            "description": "夜里工地一直施工，电锯声音很大吵得睡不着（第%d次反映）" % n,
            "lat": "28.1234567", "long": "120.9876543", "address_string": "测试路%d号" % n,
            "email": "citizen%d@example.com" % n, "device_id": "device-%d" % n,
            "account_id": "account-%d" % n, "first_name": "三", "last_name": "张",
            "phone": "1390000%04d" % n, "media_url": "https://example.com/photo/%d.jpg?a=1&b=2" % n,
        }
        for key, value in changes.items():
            key = key.replace("attribute_", "attribute[") + ("]" if key.startswith("attribute_") else "")
            if value is None:
                fields.pop(key, None)
            else:
                fields[key] = value
        return fields

    # --- answers ---

    def parse(self, response, fmt, context=""):
        """The JSON value or the XML root of an answer, after checking its Content-Type
        (with charset utf-8) and, for XML, the declaration with encoding UTF-8."""
        msg = "%s: %d %r" % (context, response.status, response.raw[:300])
        ctype = (response.header("Content-Type") or "").lower().replace(" ", "")
        media = ctype.split(";")[0]
        if fmt == "json":
            self.assertEqual(media, "application/json", msg)
        else:
            self.assertIn(media, ("text/xml", "application/xml"), msg)
        self.assertIn("charset=utf-8", ctype, msg)
        try:
            text = response.raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.fail("%s: the answer is not UTF-8 (%s)" % (msg, error))
        if fmt == "json":
            try:
                return json.loads(text)
            except ValueError as error:
                self.fail("%s: not JSON (%s)" % (msg, error))
        self.assertTrue(response.raw.startswith(b"<?xml"), msg + ": no XML declaration")
        declaration = response.raw[:response.raw.index(b"?>")].lower().replace(b"'", b'"')
        self.assertIn(b'encoding="utf-8"', declaration, msg)
        try:
            return ET.fromstring(response.raw)
        except ET.ParseError as error:
            self.fail("%s: not well-formed XML (%s)" % (msg, error))

    def leaf_record(self, element, nested=()):
        """{tag: text} of an element whose children are leaves (but those named in nested,
        which are returned as the elements themselves)."""
        record = {}
        for child in element:
            self.assertNotIn(child.tag, record, "element <%s> twice in <%s>" % (child.tag, element.tag))
            if child.tag in nested:
                record[child.tag] = child
                continue
            self.assertEqual(len(child), 0, "<%s> has child elements: %r"
                             % (child.tag, ET.tostring(child, encoding="unicode")[:200]))
            record[child.tag] = child.text or ""
        return record

    def expect(self, response, fmt, status, context=""):
        """Parse a successful answer, failing with its text when the status differs."""
        statuses = (status,) if isinstance(status, int) else tuple(status)
        self.assertIn(response.status, statuses, "%s: %d %s" % (
            context, response.status, response.raw[:400].decode("utf-8", "replace")))
        return self.parse(response, fmt, context)

    def assert_spec_error(self, response, fmt, codes, context=""):
        """The answer is an error in the spec's format with one of codes as its HTTP status,
        each error's code equal to it and a description; returns the first description."""
        codes = (codes,) if isinstance(codes, int) else tuple(codes)
        msg = "%s: %d %s" % (context, response.status, response.raw[:300].decode("utf-8", "replace"))
        self.assertIn(response.status, codes, msg)
        document = self.parse(response, fmt, context)
        if fmt == "json":
            self.assertIsInstance(document, list, msg)
            self.assertTrue(document, msg + ": no error in the array")
            errors = []
            for error in document:
                self.assertIsInstance(error, dict, msg)
                self.assertIn("code", error, msg)
                self.assertIn("description", error, msg)
                errors.append((error["code"], error["description"]))
        else:
            self.assertEqual(document.tag, "errors", msg)
            self.assertTrue(len(document), msg + ": no <error> in <errors>")
            errors = []
            for error in document:
                self.assertEqual(error.tag, "error", msg)
                record = self.leaf_record(error)
                self.assertIn("code", record, msg)
                self.assertIn("description", record, msg)
                errors.append((record["code"], record["description"]))
        for code, description in errors:
            self.assertNotIsInstance(code, bool, msg)
            self.assertEqual(int(code), response.status, msg + ": code differs from the status")
            self.assertIsInstance(description, str, msg)
            self.assertTrue(description.strip(), msg + ": empty description")
        return errors[0][1]

    def assert_refused(self, fields, fmt, codes, context="", raw=None, content_type=FORM_UTF8):
        """POST is answered with a spec-format error and adds no complaint; returns the
        description."""
        before = self.count()
        response = self.post(fields, fmt, content_type=content_type, raw=raw)
        description = self.assert_spec_error(response, fmt, codes, context)
        self.assertEqual(self.count(), before, "%s: a row was written although refused" % context)
        return description

    # --- records in both formats ---

    def services_both(self):
        documents = {}
        for fmt in FORMATS:
            documents[fmt] = self.expect(self.call("GET", "services", fmt), fmt, 200, "services." + fmt)
        self.assertIsInstance(documents["json"], list)
        self.assertEqual(documents["xml"].tag, "services")
        json_list = [{k: norm(k, v) for k, v in s.items()} for s in documents["json"]]
        xml_list = []
        for service in documents["xml"]:
            self.assertEqual(service.tag, "service")
            xml_list.append({k: norm(k, v) for k, v in self.leaf_record(service).items()})
        return documents["json"], json_list, xml_list

    def xml_requests(self, root, context):
        self.assertEqual(root.tag, "service_requests", context)
        records = []
        for request in root:
            self.assertEqual(request.tag, "request", context)
            records.append({k: norm(k, v) for k, v in self.leaf_record(request).items()})
        return records

    def json_requests(self, document, context):
        self.assertIsInstance(document, list, context)
        for item in document:
            self.assertIsInstance(item, dict, context)
        return [{k: norm(k, v) for k, v in item.items()} for item in document]

    def fetch_requests(self, resource, fmt, query, status):
        context = "GET " + self.url(resource, fmt, query)
        document = self.expect(self.call("GET", resource, fmt, query), fmt, status, context)
        records = (self.json_requests(document, context) if fmt == "json"
                   else self.xml_requests(document, context))
        return document, records

    def requests_both(self, resource="requests", query=None, status=200):
        """GET a list of requests in JSON and XML, which must be equal; returns the JSON list
        (raw) and the normalised records.  A request may move on between two GETs (routed,
        answered), so the XML answer is compared with the JSON one just before it and, when
        they differ, the one just after it."""
        for _ in range(5):
            before = self.fetch_requests(resource, "json", query, status)
            as_xml = self.fetch_requests(resource, "xml", query, status)
            if as_xml[1] == before[1]:
                return before
            after = self.fetch_requests(resource, "json", query, status)
            if as_xml[1] == after[1]:
                return after
            if after[1] == before[1]:
                break           # JSON stands still: the formats differ
        self.assertEqual(before[1], as_xml[1], "JSON and XML differ for %s %r" % (resource, query))

    def request_both(self, number):
        """One request, GET requests/{id} in both formats, every spec field present."""
        raw, records = self.requests_both("requests/" + number)
        self.assertEqual(len(records), 1, "requests/%s: %r" % (number, raw))
        self.assert_request_shape(raw[0])
        return raw[0], records[0]

    def assert_request_shape(self, item):
        missing = [f for f in REQUEST_FIELDS if f not in item]
        self.assertEqual(missing, [], "fields missing in %r" % item)
        self.assertIn(item["status"], ("open", "closed"), item)
        for field in DATETIME_FIELDS:
            value = item[field]
            if value in (None, ""):
                self.assertNotEqual(field, "requested_datetime", item)
                continue
            self.assertRegex(value, ISO_WITH_ZONE, "%s is not ISO 8601 with a zone" % field)
            self.assertIsNotNone(parse_time(value).utcoffset())
        for field in ("lat", "long"):
            if item[field] not in (None, ""):
                float(item[field])

    # --- POST and tokens ---

    def read_post_answer(self, response, fmt, context=""):
        """The one element of a POST's success answer, normalised."""
        document = self.expect(response, fmt, (200, 201, 202), context)
        if fmt == "json":
            self.assertIsInstance(document, list, context)
            records = [{k: norm(k, v) for k, v in item.items()} for item in document]
        else:
            records = self.xml_requests(document, context)
        self.assertEqual(len(records), 1, "%s: %r" % (context, response.raw[:300]))
        record = records[0]
        self.assertLessEqual(set(record), POST_ANSWER_FIELDS, context)
        if response.status == 202:
            self.assertTrue(record.get("token") or record.get("service_request_id"), record)
        else:
            self.assertTrue(record.get("service_request_id"), record)
        return record

    def resolve(self, record, deadline_s=30.0):
        """The service_request_id of a POST answer, asking tokens/{token} while there is none."""
        if record.get("service_request_id"):
            return record["service_request_id"]
        token = record["token"]
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            response = self.call("GET", "tokens/" + urllib.parse.quote(token, safe=""), "json")
            if response.status == 200 and response.json and response.json[0].get("service_request_id"):
                return response.json[0]["service_request_id"]
            time.sleep(0.1)
        self.fail("token %s got no service_request_id in %.0f s" % (token, deadline_s))

    def create(self, fields, fmt="json", context="POST"):
        """POST a request that must be accepted; returns (service_request_id, answer record),
        after checking that exactly one complaint was added."""
        before = self.count()
        response = self.post(fields, fmt)
        record = self.read_post_answer(response, fmt, "%s (%s)" % (context, fmt))
        number = self.resolve(record)
        self.assertEqual(self.count(), before + 1, "%s: not exactly one new complaint" % context)
        return number, record


def start_hub(name):
    return harness.Hub(workers=1, web=True, name=name,
                       overrides={"worker": {"services": harness.ALL_SERVICES}}).start()


def stop_hub(hub):
    hub.stop()
    reports = hub.sanitizer_reports()
    if reports:
        raise AssertionError("sanitizer reports (logs in %s):\n%s" % (hub.dir, "\n".join(reports)))


class Open311Tests(Open311Case):
    """One hub (classification and routing on) for every test that does not break it."""

    @classmethod
    def setUpClass(cls):
        cls.hub = start_hub("open311")

    @classmethod
    def tearDownClass(cls):
        hub, cls.hub = cls.hub, None
        if hub:
            stop_hub(hub)

    def setUp(self):
        self.hub.check_alive()

    def tearDown(self):
        self.hub.check_alive()

    # ==================================================================================
    # Services

    def test_services_list(self):
        raw, json_list, xml_list = self.services_both()
        self.assertTrue(raw, "no services")
        self.assertEqual(json_list, xml_list, "services.json and services.xml differ")
        for service in raw:
            missing = [f for f in SERVICE_FIELDS if f not in service]
            self.assertEqual(missing, [], "fields missing in %r" % service)
            self.assertIsInstance(service["metadata"], bool, service)
            self.assertIn(service["type"], SERVICE_TYPES, service)
            self.assertTrue(service["service_code"] and service["service_name"], service)
        for service in xml_list:
            self.assertIn(service["metadata"], ("true", "false"), service)
        codes = [s["service_code"] for s in raw]
        self.assertEqual(len(codes), len(set(codes)), "service_code not unique")
        # The services are the city's categories (config/categories.yaml).
        categories = catalogue(os.path.join(ROOT, "config", "categories.yaml"))
        self.assertEqual(sorted(codes), sorted(c for c, _ in categories))
        by_code = {s["service_code"]: s for s in raw}
        for code, category in categories:
            self.assertEqual(by_code[code]["service_name"], category["name"], code)
            self.assertEqual(by_code[code]["group"], category["group"], code)

    def test_service_definitions(self):
        raw, _, _ = self.services_both()
        for service in raw:
            code = service["service_code"]
            with self.subTest(code=code):
                resource = "services/" + urllib.parse.quote(code, safe="")
                definitions = {}
                for fmt in FORMATS:
                    definitions[fmt] = self.expect(self.call("GET", resource, fmt), fmt, 200, resource)
                as_json = definitions["json"]
                self.assertIsInstance(as_json, dict)
                self.assertEqual(as_json.get("service_code"), code)
                self.assertIsInstance(as_json.get("attributes"), list)
                root = definitions["xml"]
                self.assertEqual(root.tag, "service_definition")
                record = self.leaf_record(root, nested=("attributes",))
                self.assertEqual(record.get("service_code"), code)
                self.assertIn("attributes", record, "no <attributes> in the XML definition")
                xml_attributes = []
                for attribute in record["attributes"]:
                    self.assertEqual(attribute.tag, "attribute")
                    fields = self.leaf_record(attribute, nested=("values",))
                    values = fields.pop("values", None)
                    fields = {k: norm(k, v) for k, v in fields.items()}
                    fields["values"] = [{k: norm(k, v) for k, v in self.leaf_record(value).items()}
                                        for value in (values if values is not None else [])]
                    xml_attributes.append(fields)
                json_attributes = [{k: ([{kk: norm(kk, vv) for kk, vv in v.items()} for v in val]
                                        if k == "values" else norm(k, val))
                                    for k, val in dict(a, values=a.get("values") or []).items()}
                                   for a in as_json["attributes"]]
                self.assertEqual(json_attributes, xml_attributes, "attributes differ JSON/XML")
                # metadata says whether there are attributes to ask for.
                self.assertEqual(bool(as_json["attributes"]), service["metadata"], code)

    def test_unknown_service_definition_is_404(self):
        for code in ("no.such.service", "env.noise.extra", SQL, HTML, "%FF", "a" * 3000):
            for fmt in FORMATS:
                resource = "services/" + (code if code == "%FF" else urllib.parse.quote(code, safe=""))
                with self.subTest(code=code[:40], fmt=fmt):
                    self.assert_spec_error(self.call("GET", resource, fmt), fmt, 404,
                                           "GET %s.%s" % (resource[:60], fmt))

    # ==================================================================================
    # POST requests and reading them back

    def test_post_and_read_back_in_both_formats(self):
        names = {s["service_code"]: s["service_name"] for s in self.services_both()[0]}
        for fmt in FORMATS:
            with self.subTest(fmt=fmt):
                fields = self.fields()
                number, answer = self.create(fields, fmt)
                if "account_id" in answer and answer["account_id"] != "":
                    self.assertIsInstance(answer["account_id"], str)
                # The number is a complaint of the web channel in the hub's database.
                self.assertEqual(self.hub.sql("SELECT channel FROM complaint WHERE number = %s"
                                              % harness.quote_literal(number)), [("web",)])
                item, _ = self.request_both(number)
                self.assertEqual(item["service_request_id"], number)
                self.assertEqual(item["status"], "open")
                self.assertEqual(item["service_code"], fields["service_code"])
                self.assertEqual(item["service_name"], names[fields["service_code"]])
                self.assertEqual(item["description"], fields["description"])
                self.assertEqual(item["address"], fields["address_string"])
                self.assertEqual(item["media_url"], fields["media_url"])
                self.assertAlmostEqual(float(item["lat"]), float(fields["lat"]), places=6)
                self.assertAlmostEqual(float(item["long"]), float(fields["long"]), places=6)
                requested = parse_time(item["requested_datetime"])
                now = datetime.datetime.now(datetime.timezone.utc)
                # A wrong zone would put it hours away.
                self.assertLess(abs((requested - now).total_seconds()), 600, item)
                self.assertGreaterEqual(parse_time(item["updated_datetime"]), requested)

    def test_each_form_of_location_is_enough(self):
        cases = {
            "lat+long": dict(address_string=None),
            "address_string": dict(lat=None, long=None),
            "address_id": dict(lat=None, long=None, address_string=None, address_id="ADDR-42"),
        }
        for name, changes in cases.items():
            with self.subTest(location=name):
                fields = self.fields(**changes)
                number, _ = self.create(fields, context="location " + name)
                item, _ = self.request_both(number)
                if "address_string" in fields:
                    self.assertEqual(item["address"], fields["address_string"])
                if "address_id" in fields:
                    self.assertEqual(item["address_id"], fields["address_id"])
                if "lat" in fields:
                    self.assertAlmostEqual(float(item["lat"]), float(fields["lat"]), places=6)

    def test_location_errors(self):
        no_place = dict(address_string=None, address_id=None)
        cases = {
            "no location": dict(no_place, lat=None, long=None),
            "lat without long": dict(no_place, long=None),
            "long without lat": dict(no_place, lat=None),
            "lat without long, with an address": dict(long=None),
            "lat not a number": dict(no_place, lat="abc"),
            "lat over 90": dict(no_place, lat="90.5"),
            "long over 180": dict(no_place, long="180.5"),
            "empty lat and long": dict(no_place, lat="", long=""),
        }
        for name, changes in cases.items():
            for fmt in FORMATS:
                with self.subTest(case=name, fmt=fmt):
                    self.assert_refused(self.fields(**changes), fmt, 400, name)

    def test_api_key_is_required(self):
        for name, key in (("missing", None), ("empty", ""), ("wrong", "not-the-key"),
                          ("case changed", API_KEY.upper()), ("with a space", API_KEY + " ")):
            for fmt in FORMATS:
                with self.subTest(api_key=name, fmt=fmt):
                    self.assert_refused(self.fields(api_key=key), fmt, 403, "api_key " + name)

    def test_service_code_errors(self):
        for fmt in FORMATS:
            with self.subTest(case="missing", fmt=fmt):
                self.assert_refused(self.fields(service_code=None), fmt, 400, "no service_code")
            for code in ("no.such.service", "ENV.NOISE", ""):
                with self.subTest(case="unknown %r" % code, fmt=fmt):
                    # The spec gives 404 for a service_code not found, 400 for a bad request.
                    description = self.assert_refused(self.fields(service_code=code), fmt,
                                                      (400, 404), "service_code %r" % code)
                    self.assertIn("service", description.lower(),
                                  "the error does not say what is wrong: %r" % description)

    def test_description_at_most_4000_characters(self):
        # Characters, not bytes: 4,000 Chinese characters are 12,000 bytes of UTF-8.
        text = ("噪" * 3999) + "!"
        number, _ = self.create(self.fields(description=text), context="4000 characters")
        item, _ = self.request_both(number)
        self.assertEqual(item["description"], text)
        for fmt in FORMATS:
            with self.subTest(fmt=fmt):
                self.assert_refused(self.fields(description=text + "噪"), fmt, 400, "4001 characters")
                self.assert_refused(self.fields(description="a" * 4001), fmt, 400, "4001 ASCII")

    def test_description_is_optional(self):
        # The spec: the required arguments are service_code and a location (and the api_key);
        # description is optional.
        for fmt in FORMATS:
            with self.subTest(fmt=fmt):
                number, _ = self.create(self.fields(description=None), fmt, "no description")
                item, _ = self.request_both(number)
                self.assertIn(item["description"], (None, ""))

    def test_line_breaks_allowed_in_description(self):
        # The spec: "This may contain line breaks, but not html or code."
        text = "第一行：工地夜间施工\r\n第二行：电锯声很大\n第三行"
        number, _ = self.create(self.fields(description=text), context="line breaks")
        item, _ = self.request_both(number)
        self.assertEqual(item["description"], text)

    def test_optional_fields_and_attributes_accepted(self):
        fields = self.fields(attribute_note="三楼窗外", attribute_floor="3")
        number, _ = self.create(fields, context="with attributes")
        self.request_both(number)

    def test_posted_service_code_is_kept(self):
        # The client chose the service; GET requests gives the request under that service, and
        # a search by that service_code finds it (here the text speaks of noise while the
        # chosen service is food production, to see whose choice the request carries).
        fields = self.fields(service_code="food.production")
        number, _ = self.create(fields, context="food.production")
        item, _ = self.request_both(number)
        self.assertEqual(item["service_code"], "food.production", item)
        raw, _ = self.requests_both(query={"service_code": "food.production"})
        self.assertIn(number, [r["service_request_id"] for r in raw])

    def test_repeated_device_id_and_request_key_give_the_same_request(self):
        # web.h: 200 with the same service_request_id when device_id + request_key were seen.
        fields = self.fields(request_key="key-%d" % next(_serial))
        number, _ = self.create(fields, context="first")
        before = self.count()
        response = self.post(fields, "xml")
        self.assertEqual(response.status, 200, response.raw[:300])
        again = self.read_post_answer(response, "xml", "second")
        self.assertEqual(again["service_request_id"], number)
        self.assertEqual(self.count(), before)

    # ==================================================================================
    # Tokens

    def test_unknown_token_is_404(self):
        for token in ("no-such-token", "W" + "0" * 40, SQL, HTML, "%FF"):
            for fmt in FORMATS:
                resource = "tokens/" + (token if token == "%FF" else urllib.parse.quote(token, safe=""))
                with self.subTest(token=token, fmt=fmt):
                    self.assert_spec_error(self.call("GET", resource, fmt), fmt, 404, resource)

    # ==================================================================================
    # GET requests

    def test_query_by_service_request_ids(self):
        first, _ = self.create(self.fields())
        second, _ = self.create(self.fields())
        other, _ = self.create(self.fields())
        raw, _ = self.requests_both(query={"service_request_id": "%s,%s" % (first, second)})
        self.assertEqual(sorted(r["service_request_id"] for r in raw), sorted([first, second]))
        for item in raw:
            self.assert_request_shape(item)
        raw, _ = self.requests_both(query={"service_request_id": first})
        self.assertEqual([r["service_request_id"] for r in raw], [first])
        # "This overrides all other arguments": a status or code that would exclude it.
        raw, _ = self.requests_both(query={"service_request_id": first, "status": "closed"})
        self.assertEqual([r["service_request_id"] for r in raw], [first])
        self.assertNotIn(other, [r["service_request_id"] for r in raw])

    def test_query_by_service_code(self):
        number, _ = self.create(self.fields())
        raw, _ = self.requests_both(query={"service_code": "env.noise"})
        self.assertIn(number, [r["service_request_id"] for r in raw])
        self.assertEqual({r["service_code"] for r in raw}, {"env.noise"})
        raw, _ = self.requests_both(query={"service_code": "transport.traffic"})
        self.assertNotIn(number, [r["service_request_id"] for r in raw])
        self.assertLessEqual({r["service_code"] for r in raw}, {"transport.traffic"})

    def test_query_by_dates(self):
        number, _ = self.create(self.fields())
        now = datetime.datetime.now(datetime.timezone.utc)
        shanghai = harness.SHANGHAI
        windows_with = [
            {"start_date": utc_text(now - datetime.timedelta(days=1)),
             "end_date": utc_text(now + datetime.timedelta(days=1))},
            {"start_date": (now - datetime.timedelta(hours=2)).astimezone(shanghai).replace(
                microsecond=0).isoformat(),
             "end_date": (now + datetime.timedelta(hours=2)).astimezone(shanghai).replace(
                microsecond=0).isoformat()},
            {"start_date": utc_text(now - datetime.timedelta(days=89)),
             "end_date": utc_text(now + datetime.timedelta(hours=1))},
            {"start_date": utc_text(now - datetime.timedelta(days=1))},
        ]
        for query in windows_with:
            with self.subTest(query=query):
                raw, _ = self.requests_both(query=query)
                self.assertIn(number, [r["service_request_id"] for r in raw])
                start = parse_time(query["start_date"])
                for item in raw:
                    self.assertGreaterEqual(parse_time(item["requested_datetime"]), start)
        past = {"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-01-31T00:00:00+08:00"}
        raw, _ = self.requests_both(query=past)
        self.assertNotIn(number, [r["service_request_id"] for r in raw])
        self.assertEqual(raw, [], "requests in January 2020 on a new hub")
        refused = {
            "more than 90 days": {"start_date": utc_text(now - datetime.timedelta(days=100)),
                                  "end_date": utc_text(now)},
            "not a date": {"start_date": "yesterday"},
            "no zone": {"start_date": "2026-01-01T00:00:00", "end_date": "2026-01-02T00:00:00"},
            "end not a date": {"start_date": utc_text(now - datetime.timedelta(days=1)),
                               "end_date": "2026-13-45T99:00:00Z"},
        }
        for name, query in refused.items():
            for fmt in FORMATS:
                with self.subTest(case=name, fmt=fmt):
                    self.assert_spec_error(self.call("GET", "requests", fmt, query), fmt, 400, name)

    def test_query_by_status(self):
        number, _ = self.create(self.fields())
        raw, _ = self.requests_both(query={"status": "open"})
        self.assertIn(number, [r["service_request_id"] for r in raw])
        self.assertEqual({r["status"] for r in raw}, {"open"})
        raw, _ = self.requests_both(query={"status": "closed"})
        self.assertNotIn(number, [r["service_request_id"] for r in raw])
        self.assertLessEqual({r["status"] for r in raw}, {"closed"})
        for status in ("bogus", "OPEN", "opened", SQL):
            for fmt in FORMATS:
                with self.subTest(status=status, fmt=fmt):
                    self.assert_spec_error(self.call("GET", "requests", fmt, {"status": status}),
                                           fmt, 400, "status=%s" % status)

    def test_query_status_comma_delimited(self):
        # The spec: status "can be declared multiple times, comma delimited".
        number, _ = self.create(self.fields())
        raw, _ = self.requests_both(query={"status": "open,closed"})
        self.assertIn(number, [r["service_request_id"] for r in raw])

    def test_default_window_lists_what_was_posted(self):
        number, _ = self.create(self.fields())
        raw, _ = self.requests_both()
        self.assertIn(number, [r["service_request_id"] for r in raw])
        self.assertLessEqual(len(raw), 1000)
        ids = [r["service_request_id"] for r in raw]
        self.assertEqual(len(ids), len(set(ids)), "a request listed twice")
        oldest = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=90, hours=1)
        for item in raw:
            self.assert_request_shape(item)
            self.assertGreaterEqual(parse_time(item["requested_datetime"]), oldest)

    def test_unknown_request_is_404(self):
        # A well-formed number nobody has, and garbled ones.
        for number in ("WEB-20000101-999999", "WEB-20991231-000001", "12345-20000101-000001"):
            for fmt in FORMATS:
                with self.subTest(number=number, fmt=fmt):
                    self.assert_spec_error(self.call("GET", "requests/" + number, fmt), fmt, 404,
                                           number)
        for garbled in (SQL, HTML, "WEB-1' OR '1'='1", "../services", "%FF", "9" * 300, "-1"):
            for fmt in FORMATS:
                resource = "requests/" + (garbled if garbled == "%FF"
                                          else urllib.parse.quote(garbled, safe=""))
                with self.subTest(garbled=garbled[:30], fmt=fmt):
                    self.assert_spec_error(self.call("GET", resource, fmt), fmt, (400, 404), resource)

    def test_forged_ids_in_the_list_query(self):
        number, _ = self.create(self.fields())
        for forged in ("WEB-20000101-999999", SQL, "' OR 1=1 --", HTML, "%s' OR '1'='1" % number):
            for fmt in FORMATS:
                with self.subTest(forged=forged, fmt=fmt):
                    response = self.call("GET", "requests", fmt, {"service_request_id": forged})
                    if response.status == 200:
                        document = self.parse(response, fmt, forged)
                        records = (self.json_requests(document, forged) if fmt == "json"
                                   else self.xml_requests(document, forged))
                        self.assertEqual(records, [], "a forged id listed requests")
                    else:
                        self.assert_spec_error(response, fmt, (400, 404), forged)

    # ==================================================================================
    # A department's reply and closing

    def test_reply_and_close(self):
        fields = self.fields(description="楼上住户每天凌晨两点开始用电钻装修，整栋楼都能听到，已经两个星期了，"
                                         "物业说管不了（测试%d）" % next(_serial))
        number, _ = self.create(fields, context="lifecycle")
        deadline = time.monotonic() + 20
        order = {}
        while time.monotonic() < deadline:
            status, order = self.hub.get("/v1/workorders/" + number)
            if status == 200 and order.get("lead_department"):
                break
            time.sleep(0.1)
        lead = order.get("lead_department")
        self.assertTrue(lead, "routing set no lead department: %r" % order)
        departments = dict(catalogue(os.path.join(ROOT, "config", "departments.yaml"), "departments"))
        lead_name = departments[lead]["name"]

        item, _ = self.request_both(number)
        self.assertEqual(item["status"], "open")
        self.assertEqual(item["agency_responsible"], lead_name)
        self.assertTrue(item["expected_datetime"], "no expected_datetime once routed")
        self.assertIn(item["status_notes"], (None, ""))

        clerk = self.hub.add_user("clerk-%d" % (int(time.time() * 1000) % 100000))

        def ctl(*args):
            result = self.hub.ctl(*args, "--user", clerk)
            self.assertEqual(result.returncode, 0,
                             "suqiuctl %s: %s%s" % (args, result.stdout, result.stderr))

        reply = "已责令施工方夜间停工 <b>&amp;</b> " + SQL
        ctl("sign", number, "--department", lead)
        ctl("respond", number, "--department", lead, "--reply", reply, "--via", "web")
        item, _ = self.request_both(number)
        self.assertEqual(item["status"], "open")
        self.assertEqual(item["status_notes"], reply)
        ctl("close", number, "--department", lead)
        item, _ = self.request_both(number)
        self.assertEqual(item["status"], "closed")
        self.assertEqual(item["status_notes"], reply)
        self.assertEqual(item["agency_responsible"], lead_name)
        self.assertTrue(item["expected_datetime"])
        self.assertGreaterEqual(parse_time(item["updated_datetime"]),
                                parse_time(item["requested_datetime"]))
        raw, _ = self.requests_both(query={"status": "closed"})
        self.assertIn(number, [r["service_request_id"] for r in raw])
        raw, _ = self.requests_both(query={"status": "open"})
        self.assertNotIn(number, [r["service_request_id"] for r in raw])

    # ==================================================================================
    # Hostile input

    def test_invalid_utf8_in_any_field_is_refused(self):
        # The spec: what the client sends is UTF-8 and must be decoded as such.
        for field in ("description", "address_string", "first_name", "last_name", "email",
                      "phone", "device_id", "account_id", "media_url", "attribute[note]",
                      "service_code"):
            for bad in ("%FF", "%C3%28", "%C0%AF", "%ED%A0%80", "ok%F4%90%80%80"):
                fmt = FORMATS[len(bad) % 2]
                fields = self.fields(attribute_note="x")
                body = "&".join(
                    urllib.parse.quote_plus(key) + "=" + (
                        bad if key == field else urllib.parse.quote_plus(value))
                    for key, value in fields.items())
                with self.subTest(field=field, bytes=bad, fmt=fmt):
                    self.assert_refused(None, fmt, 400, "%s=%s" % (field, bad), raw=body)

    def test_invalid_utf8_in_a_query_is_refused(self):
        for field in ("service_code", "service_request_id", "status", "start_date", "end_date"):
            for fmt in FORMATS:
                with self.subTest(field=field, fmt=fmt):
                    response = self.call("GET", "requests", fmt, "%s=%%FF" % field)
                    self.assert_spec_error(response, fmt, (400, 404), "%s=%%FF" % field)

    def check_inert(self, payload):
        """payload in each text field: refused with a spec error and no row, or stored and
        given back exactly (JSON and XML) where the spec shows the field."""
        outcomes = {}
        for n, (field, shown) in enumerate(TEXT_FIELDS.items()):
            fmt = FORMATS[n % 2]
            changes = {field: payload}
            if field == "address_id":
                changes.update(address_string=None, lat=None, long=None)
            fields = self.fields()
            fields.update(changes)
            fields = {k: v for k, v in fields.items() if v is not None}
            with self.subTest(field=field, fmt=fmt):
                before = self.count()
                response = self.post(fields, fmt)
                if response.status in (200, 201, 202):
                    number = self.resolve(self.read_post_answer(response, fmt, field))
                    self.assertEqual(self.count(), before + 1)
                    item, _ = self.request_both(number)
                    if shown:
                        self.assertEqual(item[shown], payload, "%s not given back as sent" % field)
                    outcomes[field] = "stored"
                else:
                    self.assert_spec_error(response, fmt, 400, "%s=%r" % (field, payload))
                    self.assertEqual(self.count(), before, "%s: refused but a row was written" % field)
                    outcomes[field] = "refused"
        # The table is still there and whole.
        self.assertEqual(self.hub.sql("SELECT to_regclass('complaint') IS NOT NULL"), [("t",)])
        return outcomes

    def test_sql_in_every_text_field_is_inert(self):
        self.check_inert(SQL)
        self.check_inert("Robert'); DELETE FROM complaint WHERE ('1'='1")
        # And in the queries.
        for field in ("service_code", "service_request_id", "status", "start_date", "end_date"):
            for fmt in FORMATS:
                with self.subTest(query=field, fmt=fmt):
                    response = self.call("GET", "requests", fmt, {field: SQL})
                    self.assert_spec_error(response, fmt, (400, 404), "%s=%s" % (field, SQL))
        self.assertGreater(self.count(), 0)

    def test_html_in_every_text_field_is_inert(self):
        outcomes = self.check_inert(HTML)
        self.check_inert('"><img src=x onerror=alert(1)> & </request></service_requests>')
        # The spec: a description has no HTML; refusing it is what it allows, storing it
        # inertly (given back exactly, escaped in XML) the other correct answer.
        self.assertIn(outcomes["description"], ("refused", "stored"))

    def test_body_over_the_limit_is_413_and_the_door_stays_up(self):
        for fmt in FORMATS:
            with self.subTest(fmt=fmt):
                before = self.count()
                response = big_post(self.hub.web_port, self.url("requests", fmt), 50 * 1024 * 1024)
                self.assert_spec_error(response, fmt, 413, "50 MB body")
                self.assertEqual(self.count(), before)
                self.hub.check_alive()
                self.expect(self.call("GET", "services", fmt), fmt, 200, "after a 50 MB body")
        # And a request just after is taken as usual.
        self.create(self.fields(), context="after the big bodies")

    def test_wrong_content_type_is_refused(self):
        fields = self.fields()
        cases = {
            "JSON body": (json.dumps(fields, ensure_ascii=False), "application/json"),
            "XML body": ("<service_request><service_code>env.noise</service_code></service_request>",
                         "text/xml"),
            "form body called JSON": (urllib.parse.urlencode(fields), "application/json"),
        }
        for name, (body, ctype) in cases.items():
            for fmt in FORMATS:
                with self.subTest(case=name, fmt=fmt):
                    self.assert_refused(None, fmt, (400, 415), name, raw=body, content_type=ctype)

    def test_unknown_fields(self):
        # The spec names no unknown-field error: a field it does not know is either refused
        # with a spec-format error (and no row), or ignored.
        for fmt in FORMATS:
            with self.subTest(where="POST", fmt=fmt):
                before = self.count()
                response = self.post(self.fields(colour="blue"), fmt)
                if response.status in (200, 201, 202):
                    self.resolve(self.read_post_answer(response, fmt, "unknown field"))
                    self.assertEqual(self.count(), before + 1)
                else:
                    self.assert_spec_error(response, fmt, 400, "unknown POST field")
                    self.assertEqual(self.count(), before)
            with self.subTest(where="GET", fmt=fmt):
                response = self.call("GET", "requests", fmt, {"colour": "blue", "status": "open"})
                if response.status == 200:
                    plain, _ = self.requests_both(query={"status": "open"})
                    document = self.parse(response, fmt, "unknown query field")
                    records = (self.json_requests(document, "q") if fmt == "json"
                               else self.xml_requests(document, "q"))
                    self.assertEqual(sorted(r["service_request_id"] for r in records),
                                     sorted(r["service_request_id"] for r in plain))
                else:
                    self.assert_spec_error(response, fmt, 400, "unknown query field")

    def test_broken_percent_escapes(self):
        # application/x-www-form-urlencoded (WHATWG URL, as HTML forms send it): a '%' not
        # followed by two hex digits stays a literal '%'.  A server may instead refuse the
        # body with 400; it may never let one field's value spill into another's.
        head = "api_key=%s&service_code=env.noise" % API_KEY
        cases = [
            ("description=a%2&address_string=bcd", "a%2", "bcd"),
            ("description=a%&address_string=bcd", "a%", "bcd"),
            ("address_string=bcd&description=a%2", "a%2", "bcd"),
            ("address_string=bcd&description=a%", "a%", "bcd"),
            ("address_string=bcd&description=a%4g", "a%4g", "bcd"),
            ("address_string=bcd&description=100%25", "100%", "bcd"),
        ]
        for tail, description, address in cases:
            with self.subTest(body=tail):
                before = self.count()
                response = self.post(None, "json", raw=head + "&" + tail)
                if response.status in (200, 201, 202):
                    number = self.resolve(self.read_post_answer(response, "json", tail))
                    self.assertEqual(self.count(), before + 1)
                    item, _ = self.request_both(number)
                    self.assertEqual((item["description"], item["address"]), (description, address),
                                     "stored from %r" % tail)
                else:
                    self.assert_spec_error(response, "json", 400, tail)
                    self.assertEqual(self.count(), before)

    def test_other_methods_get_a_spec_error(self):
        for method in ("PUT", "DELETE", "PATCH"):
            for fmt in FORMATS:
                with self.subTest(method=method, fmt=fmt):
                    before = self.count()
                    response = self.call(method, "requests", fmt, body=urllib.parse.urlencode(
                        self.fields()), headers={"Content-Type": FORM_UTF8})
                    self.assert_spec_error(response, fmt, (400, 404, 405), method)
                    self.assertEqual(self.count(), before)


class Open311TokenTests(Open311Case):
    """While the hub cannot commit (its broker is down) the web door keeps a request in its
    spool and answers with a token; tokens/{token} gives the service_request_id once the hub
    has it.  A hub of its own, since its broker is stopped."""

    def setUp(self):
        self.hub = start_hub(self._testMethodName)
        self.addCleanup(stop_hub, self.hub)

    def test_token_until_the_hub_assigns_a_number(self):
        before = self.count()
        self.hub.kill_broker()
        try:
            tokens = []
            for fmt in FORMATS:
                response = self.post(self.fields(), fmt)
                self.assertEqual(response.status, 202, "POST with the broker down: %d %r"
                                 % (response.status, response.raw[:300]))
                answer = self.read_post_answer(response, fmt, "spooled POST")
                self.assertTrue(answer.get("token"), "a 202 without a token: %r" % answer)
                self.assertFalse(answer.get("service_request_id"), answer)
                tokens.append(answer["token"])
            self.assertEqual(len(set(tokens)), 2, "two requests, one token")
            for token in tokens:
                raw, records = self.requests_both("tokens/" + urllib.parse.quote(token, safe=""))
                self.assertEqual(len(records), 1, raw)
                self.assertEqual(records[0].get("token"), token)
                self.assertEqual(records[0].get("service_request_id", ""), "", "an id before commit")
        finally:
            self.hub.start_broker()
        numbers = []
        for token in tokens:
            number = self.resolve({"token": token})
            raw, records = self.requests_both("tokens/" + urllib.parse.quote(token, safe=""))
            self.assertEqual(records, [{"service_request_id": number, "token": token}])
            self.request_both(number)
            numbers.append(number)
        self.assertEqual(len(set(numbers)), 2)
        self.assertEqual(self.count(), before + 2, "each spooled request committed exactly once")


if __name__ == "__main__":
    unittest.main()
