import atexit, os, time
from wsgi import app as flask_app
stats = {"n": 0, "cpu": 0.0, "wall": 0.0}
def app(environ, start_response):
    c, w = time.thread_time(), time.perf_counter()
    body = flask_app(environ, start_response)
    out = list(body)
    if hasattr(body, "close"): body.close()
    if environ.get("PATH_INFO") == "/jobs":
        stats["n"] += 1; stats["cpu"] += time.thread_time() - c; stats["wall"] += time.perf_counter() - w
        if stats["n"] % 500 == 0:
            print(f"pid {os.getpid()} n {stats['n']} app cpu {stats['cpu']/stats['n']*1000:.2f} ms wall {stats['wall']/stats['n']*1000:.2f} ms", flush=True)
    return out
