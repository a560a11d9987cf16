"""`arcface serve` over HTTP: every endpoint, bad input, keys, limits, concurrency, kill -9, SIGTERM,
and the OpenAPI document walked path by path. Each server is started here on a free 127.0.0.1 port."""
import base64
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

import pyarcface
from server_util import Client, Server, cli_path, wait_until


def photo(samples, *parts):
    with open(os.path.join(samples, *parts), "rb") as f:
        return f.read()


def png(image):
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


@pytest.fixture(scope="module")
def server(tmp_path_factory, models, samples):
    if not os.path.isfile(cli_path()):
        pytest.skip(f"the arcface CLI is not built ({cli_path()})")
    s = Server(tmp_path_factory.mktemp("serve"), ["--max-body-mb", "2", "--max-image-megapixels", "3"])
    yield s
    assert s.stop() == 0


@pytest.fixture()
def client(server):
    c = server.client()
    yield c
    c.close()


def assert_error(r, status, *words):
    assert r.status == status, r
    body = r.json()
    assert body["error"]["status"] == status and body["error"]["message"], body
    for w in words:
        assert w in body["error"]["message"], body


def test_health_models_page(client):
    h = client.get("/v1/health").json()
    assert h["status"] == "ok" and h["model"] == "mobilefacenet-ms1m" and h["max_in_flight"] == 32
    m = client.get("/v1/models").json()
    assert m["embedder"]["name"] == "mobilefacenet-ms1m" and m["embedder"]["dimension"] == 192
    assert 0 < m["embedder"]["threshold"] < 1
    page = client.get("/")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    for element in (b'id="file1"', b'id="file2"', b'id="verify-button"', b'id="verdict"', b'/v1/verify'):
        assert element in page.body


def test_detect_raw_and_multipart(client, samples):
    group = photo(samples, "group", "group.jpg")
    raw = client.post("/v1/detect", body=group, content_type="image/jpeg").json()
    multi = client.post("/v1/detect", files=[("image", ("group.jpg", group))]).json()
    assert raw == multi
    assert (raw["width"], raw["height"]) == (640, 415) and len(raw["faces"]) == 5
    for f in raw["faces"]:
        assert len(f["box"]) == 4 and len(f["landmarks"]) == 5 and 0 < f["score"] <= 1


def test_embed_matches_the_library(client, samples, pipeline):
    data = photo(samples, "actors", "jeff", "0.jpg")
    r = client.post("/v1/embed", body=data, content_type="application/octet-stream").json()
    assert r["model"] == "mobilefacenet-ms1m" and r["dimension"] == 192 and len(r["faces"]) == 1
    e = np.array(r["faces"][0]["embedding"], dtype=np.float32)
    assert abs(np.linalg.norm(e) - 1) < 1e-4
    local = pipeline.process(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
    assert np.allclose(e, local.embeddings[0], atol=1e-4)


def test_verify(client, samples):
    jeff0, jeff2 = photo(samples, "actors", "jeff", "0.jpg"), photo(samples, "actors", "jeff", "2.jpg")
    emma = photo(samples, "actresses", "emma_mackey", "0.jpg")
    same = client.post("/v1/verify?crops=1", files=[("image1", ("a.jpg", jeff0)), ("image2", ("b.jpg", jeff2))]).json()
    diff = client.post("/v1/verify", files=[("image1", ("a.jpg", jeff0)), ("image2", ("b.jpg", emma))]).json()
    assert same["same"] is True and same["similarity"] >= same["threshold"]
    assert diff["same"] is False and diff["similarity"] < diff["threshold"] and "crops" not in diff
    assert same["model"] == "mobilefacenet-ms1m" and len(same["face1"]["landmarks"]) == 5
    for url in same["crops"]:
        assert url.startswith("data:image/png;base64,")
        crop = cv2.imdecode(np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
        assert crop.shape == (112, 112, 3)


def test_bad_input(client, server, samples):
    jeff = photo(samples, "actors", "jeff", "0.jpg")
    assert_error(client.post("/v1/detect", body=b"", content_type="image/jpeg"), 400, "no image")
    assert_error(client.post("/v1/detect", body=b"this is not an image" * 50, content_type="image/jpeg"), 415,
                 "not a readable image")
    cut = png(cv2.imread(os.path.join(samples, "actors", "jeff", "0.jpg")))
    assert_error(client.post("/v1/detect", body=cut[: len(cut) // 3], content_type="image/png"), 415)  # truncated
    assert_error(client.post("/v1/detect", body=os.urandom(3 << 20), content_type="image/jpeg"), 413, "limit")
    big = png(np.zeros((2000, 2000, 3), np.uint8))  # 4 megapixels, above --max-image-megapixels 3
    assert_error(client.post("/v1/detect", body=big, content_type="image/png"), 413, "2000x2000")
    tiny = png(np.full((1, 1, 3), 128, np.uint8))
    assert client.post("/v1/detect", body=tiny, content_type="image/png").json()["faces"] == []
    assert_error(client.post("/v1/verify", files=[("image1", ("t.png", tiny)), ("image2", ("j.jpg", jeff))]), 422,
                 "no face")
    assert_error(client.post("/v1/verify", files=[("image1", ("j.jpg", jeff))]), 400, "image2")
    assert_error(client.post("/v1/verify", body=jeff, content_type="image/jpeg"), 400)
    assert_error(client.post("/v1/verify?threshold=abc", files=[("image1", ("a", jeff)), ("image2", ("b", jeff))]), 400,
                 "threshold")
    assert_error(client.post("/v1/detect", body=b"a=b" * 4000, content_type="application/x-www-form-urlencoded"), 413,
                 "multipart")
    assert_error(client.get("/v1/nothing"), 404, "/v1/nothing")
    assert client.get("/v1/health").json()["status"] == "ok"  # still serving


def test_galleries(client, samples):
    jeff = [photo(samples, "actors", "jeff", f"{i}.jpg") for i in range(3)]
    kurt = photo(samples, "actors", "kurt", "0.jpg")
    r = client.post("/v1/galleries/staff/people", files=[("id", "jeff"), ("image", ("0.jpg", jeff[0])),
                                                          ("image", ("1.jpg", jeff[1]))])
    assert r.status == 200, r
    assert r.json()["samples"] == 2 and r.json()["enrolled"] == 2
    assert client.post("/v1/galleries/staff/people/kurt", body=kurt, content_type="image/jpeg").json()["samples"] == 1
    people = client.get("/v1/galleries/staff/people").json()["people"]
    assert [(p["id"], p["samples"]) for p in people] == [("jeff", 2), ("kurt", 1)]
    thumb = client.get(people[0]["thumbnail"])
    assert thumb.status == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert cv2.imdecode(np.frombuffer(thumb.body, np.uint8), cv2.IMREAD_COLOR).shape == (112, 112, 3)
    assert client.get("/v1/galleries/staff/people/jeff").json()["samples"] == 2
    who = client.post("/v1/identify?gallery=staff", body=jeff[2], content_type="image/jpeg").json()
    assert [f["identity"] for f in who["faces"]] == ["jeff"] and who["faces"][0]["known"] is True
    assert who["faces"][0]["candidates"][0]["id"] == "jeff"
    galleries = {g["name"]: g for g in client.get("/v1/galleries").json()["galleries"]}
    assert galleries["staff"]["people"] == 2 and galleries["staff"]["samples"] == 3
    assert client.delete("/v1/galleries/staff/people/kurt").json()["deleted"] == "kurt"
    assert_error(client.get("/v1/galleries/staff/people/kurt"), 404, "kurt")
    assert_error(client.delete("/v1/galleries/staff/people/kurt"), 404, "kurt")
    # bad and unknown galleries, people without a face
    assert_error(client.get("/v1/galleries/nosuch/people"), 404, "nosuch")
    assert_error(client.post("/v1/identify?gallery=nosuch", body=kurt, content_type="image/jpeg"), 404, "nosuch")
    assert_error(client.post("/v1/identify", body=kurt, content_type="image/jpeg"), 400, "gallery")
    assert_error(client.post("/v1/galleries/.hidden/people/x", body=kurt, content_type="image/jpeg"), 400, "gallery name")
    tiny = png(np.full((1, 1, 3), 128, np.uint8))
    assert_error(client.post("/v1/galleries/staff/people", files=[("id", "ghost"), ("image", ("t.png", tiny))]), 422,
                 "no face")
    assert_error(client.post("/v1/galleries/staff/people", files=[("image", ("k.jpg", kurt))]), 400, "'id'")
    assert [p["id"] for p in client.get("/v1/galleries/staff/people").json()["people"]] == ["jeff"]


def test_concurrent_enrolments_of_one_gallery(server, samples):
    photos = [photo(samples, "actors", "jeff", f"{i}.jpg") for i in range(4)]

    def enrol(i):
        c = server.client()
        try:
            return [c.post(f"/v1/galleries/crowd/people/person{i}", body=photos[(i + k) % 4],
                           content_type="image/jpeg").status for k in range(2)]
        finally:
            c.close()

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(enrol, range(8)))
    assert statuses == [[200, 200]] * 8
    c = server.client()
    people = c.get("/v1/galleries/crowd/people").json()["people"]
    assert sorted((p["id"], p["samples"]) for p in people) == [(f"person{i}", 2) for i in range(8)]
    c.close()
    g = pyarcface.Gallery.load(os.path.join(server.data, "galleries", "crowd.gallery"))
    assert g.num_samples == 16


def test_api_keys(tmp_path, models, samples):
    keys = tmp_path / "keys"
    keys.write_text("# keys\nfirst-key-0123\n\nsecond-key-4567\n")
    jeff = photo(samples, "actors", "jeff", "0.jpg")
    with Server(tmp_path / "data", ["--api-keys", str(keys)]) as s:
        c = Client(s.port)
        assert_error(c.post("/v1/detect", body=jeff, content_type="image/jpeg"), 401, "required")
        assert_error(c.get("/v1/galleries", headers={"X-API-Key": "first-key-0124"}), 401, "not valid")
        assert_error(c.get("/v1/models", headers={"Authorization": "Bearer first-key-012"}), 401)
        assert c.get("/v1/galleries", headers={"Authorization": "Bearer second-key-4567"}).status == 200
        assert c.post("/v1/detect", body=jeff, content_type="image/jpeg",
                      headers={"X-API-Key": "first-key-0123"}).status == 200
        assert c.get("/v1/health").status == 200 and c.get("/openapi.json").status == 200  # open
        c.close()
    empty = tmp_path / "empty"
    empty.write_text("# no keys\n")
    r = os.system(f"'{cli_path()}' serve --port 0 --data '{tmp_path}/d2' --api-keys '{empty}' 2>{tmp_path}/err")
    assert r != 0 and "holds no keys" in (tmp_path / "err").read_text()


def test_in_flight_cap_and_timeout(tmp_path, models, samples):
    group = photo(samples, "group", "group.jpg")
    big = cv2.resize(cv2.imread(os.path.join(samples, "group", "group.jpg")), (2560, 1660))
    with Server(tmp_path / "data", ["--max-in-flight", "1"], ["--detector", "mtcnn", "--max-input-side", "0"]) as s:
        def call(_):
            c = s.client()
            try:
                return c.post("/v1/detect", body=group, content_type="image/jpeg")
            finally:
                c.close()

        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(call, range(6)))
        busy = [r for r in results if r.status == 503]
        assert busy and all(r.status in (200, 503) for r in results), results
        assert busy[0].headers["retry-after"] == "1" and "busy" in busy[0].json()["error"]["message"]
        assert any(r.status == 200 for r in results)
    with Server(tmp_path / "data", ["--timeout", "0.2"], ["--detector", "mtcnn", "--max-input-side", "0"]) as s:
        c = s.client()
        assert_error(c.post("/v1/embed", body=png(big), content_type="image/png"), 504, "limit")
        assert c.get("/v1/health").status == 200
        c.close()


def test_sigterm_drains_requests_in_flight(tmp_path, models, samples):
    big = png(cv2.resize(cv2.imread(os.path.join(samples, "group", "group.jpg")), (1280, 830)))
    s = Server(tmp_path / "data", [], ["--detector", "mtcnn", "--max-input-side", "0"])
    result = {}
    t = threading.Thread(target=lambda: result.update(r=s.client().post("/v1/embed", body=big, content_type="image/png")))
    t.start()
    probe = s.client()
    assert wait_until(lambda: probe.get("/v1/health").json()["in_flight"] >= 1)
    probe.close()
    assert s.stop(signal.SIGTERM) == 0
    t.join()
    assert result["r"].status == 200 and len(result["r"].json()["faces"]) >= 1


def test_kill_9_loses_no_acknowledged_enrolment(tmp_path, models, samples):
    photos = [photo(samples, "actors", "jeff", f"{i}.jpg") for i in (0, 2, 3, 4)]
    data = tmp_path / "data"
    s = Server(data)
    acked, lock, stop = [], threading.Lock(), threading.Event()

    def enrol(worker):
        c = s.client()
        for k in range(1000):
            if stop.is_set():
                break
            pid = f"w{worker}-{k}"
            try:
                r = c.post(f"/v1/galleries/g/people/{pid}", body=photos[k % 4], content_type="image/jpeg")
            except OSError:
                break
            if r.status == 200:
                with lock:
                    acked.append(pid)

    threads = [threading.Thread(target=enrol, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    assert wait_until(lambda: len(acked) >= 12, timeout=120)
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    with Server(data) as again:
        c = again.client()
        r = c.get("/v1/galleries/g/people")
        assert r.status == 200, r
        present = {p["id"] for p in r.json()["people"]}
        assert set(acked) <= present, sorted(set(acked) - present)
        # the gallery is usable: enrol once more and identify
        assert c.post("/v1/galleries/g/people/after", body=photos[0], content_type="image/jpeg").status == 200
        c.close()
    assert len(acked) >= 12


def resolve(doc, schema):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def check_schema(doc, schema, value, where):
    schema = resolve(doc, schema)
    if value is None:
        assert schema.get("nullable"), where
        return
    t = schema.get("type")
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}
    if t:
        assert isinstance(value, kinds[t]), (where, t, value)
    if t == "object":
        for k in schema.get("required", []):
            assert k in value, (where, k, value)
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                check_schema(doc, sub, value[k], f"{where}.{k}")
    if t == "array" and "items" in schema:
        for i, v in enumerate(value):
            check_schema(doc, schema["items"], v, f"{where}[{i}]")


def test_openapi_document_matches_the_server(client, samples):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    jeff = photo(samples, "actors", "jeff", "0.jpg")
    order = {"post": 0, "get": 1, "delete": 2}
    ops = sorted(((p, m, op) for p, item in doc["paths"].items() for m, op in item.items() if m in order),
                 key=lambda x: (order[x[1]], "galleries" not in x[0], x[0].count("/"), x[0]))
    assert len(ops) >= 13
    for path, method, op in ops:
        url = path.replace("{name}", "walk").replace("{id}", "walker")
        query = [f"{p['name']}=walk" for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
        if query:
            url += "?" + "&".join(query)
        kw = {}
        if "requestBody" in op:
            content = op["requestBody"]["content"]
            schema = content["multipart/form-data"]["schema"]
            files = []
            for name, prop in schema["properties"].items():
                if prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary":
                    files.append((name, ("jeff.jpg", jeff)))
                else:
                    assert prop["type"] == "string"
                    files.append((name, "walker"))
            kw["files"] = files
        r = client.request(method.upper(), url, **kw)
        assert r.status == 200, (method, url, r)
        assert str(r.status) in op["responses"]
        declared = op["responses"]["200"]["content"]
        ctype = r.headers["content-type"].split(";")[0]
        assert ctype in declared, (path, ctype)
        if ctype == "application/json":
            check_schema(doc, declared[ctype]["schema"], r.json(), f"{method} {path}")
        # every declared error has the Error schema
        for code, resp in op["responses"].items():
            if code != "200":
                assert resp["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
