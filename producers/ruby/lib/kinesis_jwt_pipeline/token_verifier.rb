# frozen_string_literal: true

require "json"
require "jwt"

module KinesisJwtPipeline
  # Verifies contract v1 tokens against a JWKS, with the consumer's reason codes (malformed, header,
  # unknown_key, bad_signature, claims, expired). The Lambda consumer is the real verifier; this one lets
  # Ruby check tokens too (cross-language vectors, debugging a record from a console).
  class TokenVerifier
    FORBIDDEN_HEADERS = %w[crit jku x5u x5c jwk b64 zip].freeze

    MAX_JSON_DEPTH = 32
    # The protected header's limits (docs/contract.md §3), checked before it is parsed.
    MAX_HEADER_BYTES = 4096
    MAX_HEADER_DEPTH = 4
    MAX_KID_LENGTH = 256
    # Claims are JSON numbers: beyond 2^53 − 1 they lose digits in every JavaScript reader.
    MAX_SAFE_INTEGER = (2**53) - 1

    # JSON objects that refuse a member name seen before: Ruby's parser (like JSON.parse in Node) would keep the
    # last of two equal names silently. The contract rejects duplicates so every implementation reads a token
    # the same way: `header` for the protected header, `malformed` for the payload.
    class UniqueMembers < Hash
      class Duplicate < StandardError; end

      def []=(name, value)
        raise Duplicate, "duplicate member name" if key?(name)

        super
      end
    end
    private_constant :UniqueMembers

    # issuers: {"crm-rails" => jwks, ...} (each key trusted for its issuer only), or jwks: + issuer: for one.
    # audience: the pipeline name. now is passed to #verify (Integer seconds).
    def initialize(issuers: nil, jwks: nil, issuer: nil, audience: nil, clock_tolerance: 60, max_lifetime: 8 * 86_400)
      issuers ||= { issuer => jwks }
      @issuers = issuers.to_h { |iss, set| [iss, (set["keys"] || set[:keys]).map { |k| k.transform_keys(&:to_s) }] }
      @audience = audience
      @tolerance = clock_tolerance
      @max_lifetime = max_lifetime
    end

    # Returns [header, claims]; raises VerificationError with the consumer's reason code.
    def verify(token, now: Time.now.to_i)
      header, claims, signing_input, signature = parse(token)
      check_header(header)
      jwk = find_key(header, claims)
      key = public_key(jwk)
      fail!("bad_signature", "signature does not verify with key #{header['kid']}") unless Jws.verify(header["alg"], signing_input, signature, key)
      check_claims(claims, now)
      [header, claims]
    end

    private

    def fail!(reason, message)
      raise VerificationError.new(reason, message)
    end

    def parse(token)
      fail!("malformed", "token is not a String") unless token.is_a?(String)
      parts = token.split(".", -1)
      fail!("malformed", "expected 3 parts, got #{parts.size}") unless parts.size == 3
      fail!("malformed", "not base64url") unless parts.all? { |p| p.match?(/\A[A-Za-z0-9_-]*\z/) }
      header_text = decode(parts[0])
      fail!("header", "header is above the #{MAX_HEADER_BYTES}-byte limit") if header_text.bytesize > MAX_HEADER_BYTES
      header = parse_json(header_text, "header", "header", MAX_HEADER_DEPTH)
      claims = parse_json(decode(parts[1]), "malformed", "payload", MAX_JSON_DEPTH)
      fail!("malformed", "header or payload is not a JSON object") unless header.is_a?(Hash) && claims.is_a?(Hash)
      [header, claims, "#{parts[0]}.#{parts[1]}", decode(parts[2])]
    rescue JSON::ParserError, ArgumentError => e
      fail!("malformed", e.message)
    end

    # A header too deep or with a duplicate member is refused as `header`, a payload as `malformed`.
    def parse_json(text, refusal, what, max_depth)
      JSON.parse(text, max_nesting: max_depth, object_class: UniqueMembers)
    rescue UniqueMembers::Duplicate
      fail!(refusal, "#{what} has a duplicate member name")
    rescue JSON::NestingError
      fail!(refusal, "#{what} is nested deeper than #{max_depth} levels")
    end

    def decode(part)
      ::Base64.urlsafe_decode64(part + ("=" * ((4 - (part.length % 4)) % 4)))
    end

    def check_header(header)
      fail!("header", "typ must be kjp+jwt") unless header["typ"] == Envelope::TYP
      fail!("header", "alg #{header['alg'].inspect} not allowed") unless %w[ES256 EdDSA].include?(header["alg"])
      fail!("header", "kid is missing or not a string of 1-#{MAX_KID_LENGTH} characters") unless header["kid"].is_a?(String) && header["kid"].length.between?(1, MAX_KID_LENGTH)
      bad = FORBIDDEN_HEADERS & header.keys
      fail!("header", "header members not allowed: #{bad.join(', ')}") unless bad.empty?
    end

    # The key comes from the (still unverified) issuer's own key set: a key of one issuer never vouches for another.
    def find_key(header, claims)
      iss = claims["iss"]
      keys = iss.is_a?(String) && @issuers[iss]
      fail!("claims", iss.nil? ? "iss is missing" : "iss #{iss.inspect} is not a trusted issuer") unless keys
      jwk = keys.find { |k| k["kid"] == header["kid"] }
      fail!("unknown_key", "issuer #{iss} has no key #{header['kid']}") unless jwk
      expected_alg = jwk["alg"] || SigningKey::ALGORITHMS[jwk["kty"]]
      fail!("unknown_key", "key #{header['kid']} is for #{expected_alg}, token says #{header['alg']}") unless expected_alg == header["alg"]
      jwk
    end

    def public_key(jwk)
      case jwk["kty"]
      when "EC" then JWT::JWK.import(jwk.reject { |k, _| k == "d" }.transform_keys(&:to_sym)).keypair
      when "OKP"
        SigningKey.require_rbnacl!
        RbNaCl::Signatures::Ed25519::VerifyKey.new(decode(jwk["x"]))
      else fail!("unknown_key", "unsupported kty #{jwk['kty']}")
      end
    end

    def safe_integer?(value)
      value.is_a?(Integer) && value.abs <= MAX_SAFE_INTEGER
    end

    def check_claims(c, now)
      fail!("claims", "__proto__ claim not allowed") if c.key?("__proto__")
      auds = Array(c["aud"])
      fail!("claims", "aud must be a string or an array of strings") unless !auds.empty? && auds.all?(String)
      fail!("claims", "aud #{c['aud']} does not name #{@audience}") if @audience && !auds.include?(@audience)
      %w[iat exp].each { |k| fail!("claims", "#{k} must be an integer NumericDate") unless safe_integer?(c[k]) }
      fail!("claims", "iat is in the future") if c["iat"] > now + @tolerance
      fail!("claims", "nbf is in the future") if c["nbf"].is_a?(Numeric) && c["nbf"] > now + @tolerance
      fail!("claims", "exp before iat") if c["exp"] < c["iat"]
      fail!("claims", "lifetime above #{@max_lifetime}s") if @max_lifetime && c["exp"] - c["iat"] > @max_lifetime
      fail!("claims", "jti must be a string of 1-256 characters") unless c["jti"].is_a?(String) && c["jti"].length.between?(1, 256)
      fail!("claims", "type must be lowercase dotted") unless c["type"].is_a?(String) && Envelope::TYPE_FORMAT.match?(c["type"])
      fail!("claims", "v must be a positive integer") unless safe_integer?(c["v"]) && c["v"].positive?
      fail!("claims", "data must be an object") unless c["data"].is_a?(Hash)
      fail!("claims", "sub must be a string of 1-256 characters") if c.key?("sub") && !(c["sub"].is_a?(String) && c["sub"].length.between?(1, 256))
      fail!("expired", "exp #{c['exp']} is in the past (now #{now})") if c["exp"] + @tolerance < now
    end
  end
end
