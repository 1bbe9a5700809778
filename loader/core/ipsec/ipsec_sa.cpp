#include "core/ipsec/ipsec_sa.h"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace xdpkit {
namespace {

struct NamedCipher {
    const char* name;
    ipsec_cipher value;
};
constexpr NamedCipher kCiphers[] = {{"null", IPSEC_CIPHER_NULL},
                                    {"aes-cbc-128", IPSEC_CIPHER_AES_CBC_128},
                                    {"aes-gcm-128", IPSEC_CIPHER_AES_GCM_128}};

struct NamedAuth {
    const char* name;
    ipsec_auth value;
};
constexpr NamedAuth kAuths[] = {{"none", IPSEC_AUTH_NONE},
                                {"hmac-sha1-96", IPSEC_AUTH_HMAC_SHA1_96},
                                {"hmac-sha256-128", IPSEC_AUTH_HMAC_SHA256_128}};

Result<uint64_t> parse_number(const std::string& text, const char* what) {
    if (text.empty()) return make_error(EINVAL, "{}: empty value", what);
    size_t used = 0;
    uint64_t v = 0;
    try {
        v = std::stoull(text, &used, 0);  // base 0: decimal, or 0x hex
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text[0] == '-')
        return make_error(EINVAL, "{}: '{}' is not a number", what, text);
    return v;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// A word from a file, quoted for a message: bytes that are not printable ASCII as \xNN (a
// binary file must not write control sequences to the terminal), long words cut.
std::string printable(const std::string& word) {
    constexpr size_t kMax = 40;
    std::string out = "'";
    for (size_t i = 0; i < word.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(word[i]);
        if (c >= 0x20 && c < 0x7f)
            out += static_cast<char>(c);
        else
            out += fmt::format("\\x{:02x}", c);
    }
    return out + (word.size() > kMax ? "'..." : "'");
}

// "L:C" (line, column) of the byte at 1-based offset `byte` of text.
std::string position_text(const std::string& text, size_t byte) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return fmt::format("{}:{}", line, column);
}

// nlohmann's parse error without its "[json.exception.parse_error.101] parse error at line
// 1, column 5: " prefix (the position is given separately), made printable.
std::string json_error_text(const std::string& what) {
    const auto colon = what.find(": ");
    std::string rest = colon == std::string::npos ? what : what.substr(colon + 2);
    std::string out;
    for (unsigned char c : rest) out += c >= 0x20 && c < 0x7f ? std::string(1, char(c))
                                                              : fmt::format("\\x{:02x}", c);
    return out;
}

Result<void> check_length(const char* field, const std::vector<uint8_t>& bytes, uint32_t want,
                          const std::string& algorithm) {
    if (bytes.size() != want)
        return make_error(EINVAL, "{}: {} needs {} bytes, got {}", field, algorithm, want,
                          bytes.size());
    return {};
}

Result<void> check_combination(const SecurityAssociation& sa) {
    if (sa.cipher == IPSEC_CIPHER_AES_GCM_128 && sa.auth != IPSEC_AUTH_NONE)
        return make_error(EINVAL,
                          "--auth: aes-gcm-128 carries its own ICV (RFC 4106); use --auth none");
    if (sa.cipher == IPSEC_CIPHER_NULL && sa.auth == IPSEC_AUTH_NONE)
        return make_error(EINVAL,
                          "--cipher null with --auth none protects nothing (RFC 4303 §3.2 forbids it)");
    if (sa.replay_window != 0 &&
        (sa.replay_window % 32 || sa.replay_window > IPSEC_REPLAY_MAX_WINDOW))
        return make_error(EINVAL, "--replay-window: {} is not 0 or a multiple of 32 up to {}",
                          sa.replay_window, IPSEC_REPLAY_MAX_WINDOW);
    if (sa.src && sa.src->family != sa.dst.family)
        return make_error(EINVAL, "--src {} and --dst {} are not the same address family",
                          to_string(*sa.src), to_string(sa.dst));
    if (sa.unverified && sa.action != IPSEC_ACTION_INLINE)
        return make_error(EINVAL, "--unverified only means something with --action inline");

    // Keys: all of them or none. An SA without keys steers (pass, drop, cpu) but the
    // crypto engine and the inline path cannot do anything with it.
    if (sa.has_keys() || !sa.salt.empty()) {
        if (sa.cipher != IPSEC_CIPHER_NULL)
            XDPKIT_TRY(check_length("--key", sa.key, key_length(sa.cipher), cipher_name(sa.cipher)));
        else if (!sa.key.empty())
            return make_error(EINVAL, "--key: cipher null takes no key");
        if (sa.auth != IPSEC_AUTH_NONE)
            XDPKIT_TRY(check_length("--auth-key", sa.auth_key, auth_key_length(sa.auth),
                                    auth_name(sa.auth)));
        else if (!sa.auth_key.empty())
            return make_error(EINVAL, "--auth-key: --auth none takes no key");
        if (sa.cipher == IPSEC_CIPHER_AES_GCM_128)
            XDPKIT_TRY(check_length("--salt", sa.salt, 4, "aes-gcm-128 (RFC 4106 §4)"));
        else if (!sa.salt.empty())
            return make_error(EINVAL, "--salt: only aes-gcm-128 has a salt");
    } else if (sa.action == IPSEC_ACTION_XSK || sa.action == IPSEC_ACTION_INLINE) {
        return make_error(EINVAL, "--action {}: the SA is decrypted there, so it needs --key{}",
                          action_text(sa.action, sa.target),
                          sa.auth != IPSEC_AUTH_NONE ? " and --auth-key" : "");
    }
    if (sa.action == IPSEC_ACTION_INLINE) {
        // The kernel has skcipher kfuncs only (DESIGN.md): no GCM, no HMAC to verify with.
        if (sa.cipher != IPSEC_CIPHER_AES_CBC_128)
            return make_error(EINVAL, "--action inline: the BPF crypto kfuncs decrypt "
                                      "aes-cbc-128 only (no AEAD in the kernel's bpf_crypto)");
        if (sa.auth != IPSEC_AUTH_NONE && !sa.unverified)
            return make_error(EINVAL,
                              "--action inline cannot verify {} in XDP (no HMAC kfunc); use "
                              "--auth none, or --unverified to decrypt without checking",
                              auth_name(sa.auth));
    }
    return {};
}

// Splits a line of flags into words; quotes are not needed for any value an SA has.
std::vector<std::string> words_of(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::optional<std::string>* field_named(SaFields& f, const std::string& name) {
    if (name == "spi") return &f.spi;
    if (name == "dst") return &f.dst;
    if (name == "src") return &f.src;
    if (name == "action") return &f.action;
    if (name == "cipher") return &f.cipher;
    if (name == "auth") return &f.auth;
    if (name == "key") return &f.key;
    if (name == "auth_key" || name == "auth-key") return &f.auth_key;
    if (name == "salt") return &f.salt;
    if (name == "replay_window" || name == "replay-window") return &f.replay_window;
    return nullptr;
}

Result<SaFields> fields_from_flags(const std::vector<std::string>& words) {
    SaFields f;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (w.rfind("--", 0) != 0) return make_error(EINVAL, "{} is not a --flag", printable(w));
        const std::string name = w.substr(2);
        if (name == "unverified") {
            f.unverified = true;
            continue;
        }
        auto* slot = name.find('_') == std::string::npos ? field_named(f, name) : nullptr;
        if (!slot) return make_error(EINVAL, "unknown flag {}", printable(w));
        if (i + 1 >= words.size()) return make_error(EINVAL, "{} needs a value", w);
        if (*slot) return make_error(EINVAL, "{} given twice", w);
        *slot = words[++i];
    }
    return f;
}

Result<SaFields> fields_from_json(const Json& j) {
    if (!j.is_object()) return make_error(EINVAL, "not an object");
    SaFields f;
    for (const auto& [name, value] : j.items()) {
        if (name == "unverified") {
            if (!value.is_boolean()) return make_error(EINVAL, "'unverified' must be true or false");
            f.unverified = value.get<bool>();
            continue;
        }
        auto* slot = name.find('-') == std::string::npos ? field_named(f, name) : nullptr;
        if (!slot) return make_error(EINVAL, "unknown field {}", printable(name));
        if (value.is_string())
            *slot = value.get<std::string>();
        else if (value.is_number_unsigned() && (name == "spi" || name == "replay_window"))
            *slot = std::to_string(value.get<uint64_t>());
        else
            return make_error(EINVAL, "'{}' must be a {}", name,
                              name == "spi" || name == "replay_window" ? "number or a string"
                                                                       : "string");
    }
    return f;
}

Result<void> no_duplicates(const std::vector<SecurityAssociation>& sas) {
    std::set<std::pair<uint32_t, std::string>> seen;
    for (const auto& sa : sas)
        if (!seen.insert({sa.spi, to_string(sa.dst)}).second)
            return make_error(EEXIST, "SPI {:#x} to {} appears twice", sa.spi, to_string(sa.dst));
    return {};
}

}  // namespace

uint32_t iv_length(ipsec_cipher c) {
    switch (c) {
    case IPSEC_CIPHER_AES_CBC_128: return 16;
    case IPSEC_CIPHER_AES_GCM_128: return 8;
    default: return 0;
    }
}

uint32_t icv_length(ipsec_cipher c, ipsec_auth a) {
    if (c == IPSEC_CIPHER_AES_GCM_128) return 16;
    switch (a) {
    case IPSEC_AUTH_HMAC_SHA1_96: return 12;
    case IPSEC_AUTH_HMAC_SHA256_128: return 16;
    default: return 0;
    }
}

uint32_t block_length(ipsec_cipher c) { return c == IPSEC_CIPHER_AES_CBC_128 ? 16 : 4; }

uint32_t key_length(ipsec_cipher c) { return c == IPSEC_CIPHER_NULL ? 0 : 16; }

uint32_t auth_key_length(ipsec_auth a) {
    switch (a) {
    case IPSEC_AUTH_HMAC_SHA1_96: return 20;
    case IPSEC_AUTH_HMAC_SHA256_128: return 32;
    default: return 0;
    }
}

std::string action_text(ipsec_action a, uint32_t target) {
    switch (a) {
    case IPSEC_ACTION_PASS: return "pass";
    case IPSEC_ACTION_DROP: return "drop";
    case IPSEC_ACTION_CPU: return fmt::format("cpu:{}", target);
    case IPSEC_ACTION_XSK: return fmt::format("xsk:{}", target);
    case IPSEC_ACTION_INLINE: return "inline";
    }
    return fmt::format("action {}", static_cast<uint32_t>(a));
}

std::string cipher_name(ipsec_cipher c) {
    for (const auto& n : kCiphers)
        if (n.value == c) return n.name;
    return fmt::format("cipher {}", static_cast<uint32_t>(c));
}

std::string auth_name(ipsec_auth a) {
    for (const auto& n : kAuths)
        if (n.value == a) return n.name;
    return fmt::format("auth {}", static_cast<uint32_t>(a));
}

Result<std::pair<ipsec_action, uint32_t>> parse_action(const std::string& text) {
    if (text == "pass") return std::pair{IPSEC_ACTION_PASS, 0u};
    if (text == "drop") return std::pair{IPSEC_ACTION_DROP, 0u};
    if (text == "inline") return std::pair{IPSEC_ACTION_INLINE, 0u};
    for (auto [prefix, action, limit] :
         {std::tuple{"cpu:", IPSEC_ACTION_CPU, 63u}, std::tuple{"xsk:", IPSEC_ACTION_XSK, 63u}}) {
        if (text.rfind(prefix, 0) != 0) continue;
        auto n = parse_number(text.substr(4), "--action");
        if (!n) return n.error();
        if (*n > limit)
            return make_error(EINVAL, "--action {}: {} {} is above {}", text,
                              action == IPSEC_ACTION_CPU ? "CPU" : "queue", *n, limit);
        return std::pair{action, static_cast<uint32_t>(*n)};
    }
    return make_error(EINVAL, "--action: '{}' is not pass, drop, cpu:N, xsk:Q or inline", text);
}

Result<ipsec_cipher> parse_cipher(const std::string& text) {
    for (const auto& n : kCiphers)
        if (text == n.name) return n.value;
    return make_error(EINVAL, "--cipher: '{}' is not null, aes-cbc-128 or aes-gcm-128", text);
}

Result<ipsec_auth> parse_auth(const std::string& text) {
    for (const auto& n : kAuths)
        if (text == n.name) return n.value;
    return make_error(EINVAL, "--auth: '{}' is not none, hmac-sha1-96 or hmac-sha256-128", text);
}

Result<uint32_t> parse_spi(const std::string& text) {
    auto n = parse_number(text, "--spi");
    if (!n) return n.error();
    // RFC 4303 §2.1: 0 is never sent, 1-255 are reserved by IANA.
    if (*n < 256 || *n > UINT32_MAX)
        return make_error(EINVAL, "--spi: {} is outside 256..4294967295 (RFC 4303 §2.1)", text);
    return static_cast<uint32_t>(*n);
}

Result<std::vector<uint8_t>> parse_hex_bytes(const std::string& text) {
    const std::string digits = lower(text).rfind("0x", 0) == 0 ? text.substr(2) : text;
    std::string hex = lower(digits);
    if (hex.empty()) return make_error(EINVAL, "no hex digits");
    if (const auto bad = hex.find_first_not_of("0123456789abcdef"); bad != std::string::npos)
        return make_error(EINVAL, "{} at position {} is not a hex digit",
                          printable(digits.substr(bad, 1)), bad + 1);
    if (hex.size() % 2)
        return make_error(EINVAL, "{} hex digits: an odd number (two per byte)", hex.size());
    std::vector<uint8_t> out;
    for (size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

Result<SecurityAssociation> make_sa(const SaFields& f, SaAction rule) {
    SecurityAssociation sa;
    if (!f.spi) return make_error(EINVAL, "--spi is required");
    if (!f.dst) return make_error(EINVAL, "--dst is required");
    if (!f.action && rule == SaAction::Required) return make_error(EINVAL, "--action is required");
    auto spi = parse_spi(*f.spi);
    if (!spi) return spi.error();
    sa.spi = *spi;
    auto dst = parse_ip(*f.dst);
    if (!dst) return make_error(EINVAL, "--dst: {}", dst.error().message);
    sa.dst = *dst;
    if (f.src) {
        auto src = parse_ip(*f.src);
        if (!src) return make_error(EINVAL, "--src: {}", src.error().message);
        sa.src = *src;
    }
    if (f.action) {
        auto action = parse_action(*f.action);
        if (!action) return action.error();
        std::tie(sa.action, sa.target) = *action;
    }
    if (f.cipher) {
        auto c = parse_cipher(*f.cipher);
        if (!c) return c.error();
        sa.cipher = *c;
        // GCM's ICV is its own: the auth default follows the cipher.
        if (sa.cipher == IPSEC_CIPHER_AES_GCM_128) sa.auth = IPSEC_AUTH_NONE;
    }
    if (f.auth) {
        auto a = parse_auth(*f.auth);
        if (!a) return a.error();
        sa.auth = *a;
    }
    for (auto [text, out, flag] : {std::tuple{&f.key, &sa.key, "--key"},
                                   std::tuple{&f.auth_key, &sa.auth_key, "--auth-key"},
                                   std::tuple{&f.salt, &sa.salt, "--salt"}}) {
        if (!*text) continue;
        auto bytes = parse_hex_bytes(**text);
        // The value is a secret: the error says what is wrong with it, never what it was.
        if (!bytes) return make_error(EINVAL, "{}: {}", flag, bytes.error().message);
        *out = std::move(*bytes);
    }
    if (f.replay_window) {
        auto w = parse_number(*f.replay_window, "--replay-window");
        if (!w) return w.error();
        if (*w > IPSEC_REPLAY_MAX_WINDOW)
            return make_error(EINVAL, "--replay-window: {} is above {}", *w,
                              IPSEC_REPLAY_MAX_WINDOW);
        sa.replay_window = static_cast<uint32_t>(*w);
    }
    sa.unverified = f.unverified;
    XDPKIT_TRY(check_combination(sa));
    return sa;
}

Result<std::vector<SecurityAssociation>> parse_sa_text(const std::string& text,
                                                       const std::string& origin, SaAction rule) {
    std::vector<SecurityAssociation> out;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
        Json j;
        try {
            j = Json::parse(text);
        } catch (const Json::parse_error& e) {
            return make_error(EINVAL, "{}:{}: not valid JSON ({})", origin,
                              position_text(text, e.byte), json_error_text(e.what()));
        }
        if (!j.is_array())
            return make_error(EINVAL, "{}: a JSON {} where an array of SA objects is expected "
                              "([{{\"spi\": ...}}, ...])", origin, j.type_name());
        for (size_t i = 0; i < j.size(); ++i) {
            auto fields = fields_from_json(j[i]);
            auto sa = fields ? make_sa(*fields, rule) : Result<SecurityAssociation>(fields.error());
            if (!sa) return make_error(EINVAL, "{}: SA [{}]: {}", origin, i, sa.error().message);
            out.push_back(std::move(*sa));
        }
    } else {
        std::istringstream in(text);
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            line = line.substr(0, line.find('#'));
            const auto words = words_of(line);
            if (words.empty()) continue;
            auto fields = fields_from_flags(words);
            auto sa = fields ? make_sa(*fields, rule) : Result<SecurityAssociation>(fields.error());
            if (!sa)
                return make_error(EINVAL, "{}:{}: {}", origin, number, sa.error().message);
            out.push_back(std::move(*sa));
        }
    }
    if (out.empty()) return make_error(EINVAL, "{}: no SA in it", origin);
    if (out.size() > IPSEC_MAX_SAS)
        return make_error(E2BIG, "{}: {} SAs, the table holds {}", origin, out.size(),
                          IPSEC_MAX_SAS);
    auto unique = no_duplicates(out);
    if (!unique) return make_error(EEXIST, "{}: {}", origin, unique.error().message);
    return out;
}

Result<std::vector<SecurityAssociation>> read_sa_file(const std::string& path, SaAction rule) {
    std::ifstream in(path);
    if (!in) return make_error(errno, "cannot read SA file {}: {}", path, std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return parse_sa_text(text.str(), path, rule);
}

Result<SecurityAssociation> pick_sa(const std::vector<SecurityAssociation>& sas,
                                    std::optional<uint32_t> spi, const std::string& origin) {
    std::vector<std::string> spis;
    std::vector<const SecurityAssociation*> found;
    for (const SecurityAssociation& sa : sas) {
        spis.push_back(fmt::format("{:#x}", sa.spi));
        if (!spi || sa.spi == *spi) found.push_back(&sa);
    }
    if (found.size() == 1) return *found.front();
    if (!spi)
        return make_error(EINVAL, "{} holds {} SAs (SPIs {}): choose one with --spi", origin,
                          sas.size(), fmt::join(spis, ", "));
    if (found.empty())
        return make_error(ENOENT, "{} has no SA with SPI {:#x} (it has {})", origin, *spi,
                          fmt::join(spis, ", "));
    return make_error(EINVAL, "{} has {} SAs with SPI {:#x} (one per destination): keep one in "
                      "the file you send with", origin, found.size(), *spi);
}

ipsec_sa_key sa_map_key(const SecurityAssociation& sa) {
    ipsec_sa_key k{};
    k.spi = htonl(sa.spi);
    k.family = sa.dst.v6() ? 6 : 4;
    std::memcpy(k.dst, sa.dst.bytes.data(), sa.dst.size());
    return k;
}

ipsec_sa sa_map_value(const SecurityAssociation& sa, uint32_t slot) {
    ipsec_sa v{};
    v.action = sa.action;
    v.target = sa.target;
    v.slot = slot;
    v.cipher = static_cast<uint8_t>(sa.cipher);
    v.auth = static_cast<uint8_t>(sa.auth);
    v.iv_len = static_cast<uint8_t>(iv_length(sa.cipher));
    v.icv_len = static_cast<uint8_t>(icv_length(sa.cipher, sa.auth));
    v.replay_window = static_cast<uint16_t>(sa.replay_window);
    v.has_src = sa.src.has_value();
    if (sa.src) std::memcpy(v.src, sa.src->bytes.data(), sa.src->size());
    v.flags = sa.unverified ? IPSEC_SA_F_UNVERIFIED : 0;
    return v;
}

ipsec_sa_keys sa_key_material(const SecurityAssociation& sa) {
    ipsec_sa_keys k{};
    k.in_use = 1;
    k.key_len = static_cast<uint8_t>(sa.key.size());
    k.auth_key_len = static_cast<uint8_t>(sa.auth_key.size());
    k.salt_len = static_cast<uint8_t>(sa.salt.size());
    std::memcpy(k.key, sa.key.data(), std::min(sa.key.size(), sizeof(k.key)));
    std::memcpy(k.auth_key, sa.auth_key.data(), std::min(sa.auth_key.size(), sizeof(k.auth_key)));
    std::memcpy(k.salt, sa.salt.data(), std::min(sa.salt.size(), sizeof(k.salt)));
    return k;
}

std::string key_fingerprint(const SecurityAssociation& sa) {
    if (!sa.has_keys()) return "none";
    std::vector<uint8_t> material;
    // Lengths first, so (key, auth key) pairs that concatenate alike still differ.
    for (const auto* part : {&sa.key, &sa.auth_key, &sa.salt}) {
        material.push_back(static_cast<uint8_t>(part->size()));
        material.insert(material.end(), part->begin(), part->end());
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(material.data(), material.size(), digest, &len, EVP_sha256(), nullptr);
    std::string out;
    for (int i = 0; i < 8; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
}

Json to_json(const SecurityAssociation& sa) {
    Json j;
    j["spi"] = fmt::format("{:#010x}", sa.spi);
    j["dst"] = to_string(sa.dst);
    j["src"] = sa.src ? Json(to_string(*sa.src)) : Json(nullptr);
    j["action"] = action_text(sa.action, sa.target);
    j["cipher"] = cipher_name(sa.cipher);
    j["auth"] = auth_name(sa.auth);
    j["replay_window"] = sa.replay_window;
    j["keys"] = key_fingerprint(sa);
    j["unverified"] = sa.unverified;
    return j;
}

}  // namespace xdpkit
