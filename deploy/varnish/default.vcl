vcl 4.1;
# The edge in front of the Core Recovery API: Varnish 7 with xkey (Debian: varnish, varnish-modules).
# deploy/README.md ("The Varnish edge") says how a deploy step sets the backend and the purgers, and
# docs/edge.md what the origin's headers mean. What it does:
#   - caches only what the origin tagged with Surrogate-Key (public content), for Surrogate-Control's max-age;
#     everything else, and anything with a key, a session or a preview token, passes uncached;
#   - purges by surrogate key (xkey) on `PURGE /` from the purgers' addresses only;
#   - serves the last good page while the origin fails (grace = stale-if-error), found by the /readyz probe
#     or by a failed fetch;
#   - normalises Host, drops forwarding headers a client may forge, keeps only the query parameters the API
#     reads (sorted), and reduces Accept-Language to the language served, so none of them poisons the cache.

import std;
import xkey;

backend origin {
    # EDGE_ORIGIN: set by the deploy step (deploy/varnish/configure.sh): nginx or gunicorn, host and port.
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 35s;
    .between_bytes_timeout = 10s;
    .probe = {
        .url = "/readyz";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# Who may purge: the origin's web and worker hosts. EDGE_PURGERS: the deploy step lists them here.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.xkey-purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey-softpurge) {
            set req.http.xkey-purged = xkey.softpurge(req.http.xkey-softpurge);
        } else {
            return (synth(400, "xkey-purge or xkey-softpurge required"));
        }
        return (synth(200, "Purged"));
    }

    # A second pass after the origin failed (vcl_deliver): any stale copy within its grace will do.
    if (req.restarts > 0 && req.http.x-edge-stale) {
        set req.grace = 1d;
        return (hash);
    }
    unset req.http.x-edge-stale;
    unset req.http.x-edge-pass;

    # Forwarding headers are ours to set, never a client's: Django builds absolute links from Host only.
    unset req.http.X-Forwarded-Host;
    unset req.http.X-Forwarded-Server;
    unset req.http.X-Forwarded-Port;
    unset req.http.X-Original-URL;
    unset req.http.X-Rewrite-URL;
    unset req.http.X-Original-Host;
    unset req.http.Forwarded;
    unset req.http.X-HTTP-Method-Override;
    if (req.http.X-Forwarded-Proto !~ "^https?$") {
        unset req.http.X-Forwarded-Proto;
    }
    set req.http.Host = regsub(std.tolower(req.http.Host), "\.?(:80)?$", "");

    # Never at the edge: other methods, people's data, staff, partners, editors, previews, credentials.
    set req.http.x-edge-pass = "1";
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|staff|partners)(/|$)" || req.url ~ "^/api/v1/(leads|referrals|webhooks)/"
        || req.http.Authorization || req.http.Content-Preview-Token || req.url ~ "[?&]preview=") {
        return (pass);
    }
    if (req.url ~ "^/(api/v1/|hsds)") {
        unset req.http.Cookie;  # the content API reads no cookie
    } elsif (req.http.Cookie) {
        return (pass);
    }
    unset req.http.x-edge-pass;

    # Only the parameters the API reads, sorted: `?utm_source=x`, `?_=123` or a reordered query share the
    # page every other client gets, and cannot fill the cache with variants.
    if (req.url ~ "\?") {
        set req.url = regsuball(req.url, "([?&])(?!(?:page|page_size|fields|lang|program|therapy|tag|search|ordering|level_of_care|per_page|format|minimal|full|full_service|top_only|taxonomy_term_id|taxonomy_id|organization_id|parent_id|modified_after|postcode|proximity)=)[^&]*", "\1");
        set req.url = regsuball(req.url, "&{2,}", "&");
        set req.url = regsub(req.url, "\?&+", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }
    # The language as the origin negotiates it (api/language.py): the first of en or es the header names.
    if (req.http.Accept-Language ~ "(?i)(^|,)\s*es([-;,\s]|$)"
        && req.http.Accept-Language !~ "(?i)(^|,)\s*en([-;,\s]|$).*(^|,)\s*es([-;,\s]|$)") {
        set req.http.Accept-Language = "es";
    } else {
        set req.http.Accept-Language = "en";
    }

    # The origin answers: a page past its lifetime is refreshed before it is served (a few seconds of
    # stale-while-revalidate at most). The origin down (the probe): any stale copy within its grace.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 5s;
    }
    return (hash);
}

sub vcl_hash {
    # The scheme a TLS terminator in front says, beside the builtin URL and Host.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);  # keep serving the stale copy
    }
    # Only what the origin tagged is public content; nothing else is ever stored.
    if (!beresp.http.Surrogate-Key || beresp.http.Cache-Control ~ "(private|no-store)" || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    if (beresp.http.Surrogate-Control ~ "max-age=\d+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control, ".*max-age=(\d+).*", "\1s"), 0s);
    }
    if (beresp.http.Surrogate-Control ~ "stale-if-error=\d+") {
        set beresp.grace = std.duration(regsub(beresp.http.Surrogate-Control, ".*stale-if-error=(\d+).*", "\1s"), 0s);
    }
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_deliver {
    # The origin failed a request the cache may answer: look again, for a stale copy this time.
    if (resp.status >= 500 && req.restarts == 0 && !req.http.x-edge-pass) {
        set req.http.x-edge-stale = "1";
        return (restart);
    }
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    unset resp.http.Cache-Tag;
}

sub vcl_synth {
    if (req.method == "PURGE" && req.http.xkey-purged) {
        set resp.http.xkey-purged = req.http.xkey-purged;
    }
}
