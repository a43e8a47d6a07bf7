# frozen_string_literal: true

require "base64"
require "json"

module KinesisJwtPipeline
  # Short-lived access tokens a browser presents to the HTTP API (docs/contract.md, "Access tokens"). Signed
  # with the same key as queue messages (same JWKS, same rotation) but never interchangeable with them: the
  # header's typ is kjp-access+jwt (messages: kjp+jwt), the audience is the API's own, and the claims are
  # sub/account/scope instead of type/v/data. Claim order: iss aud iat exp jti sub account scope.
  class AccessToken
    TYP = "kjp-access+jwt"
    DEFAULT_TTL = 300
    MAX_TTL = 3600 # lib/envelope/access-limits.ts: the API refuses longer lifetimes
    SCOPE_FORMAT = /\A[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*\z/.freeze
    MAX_CHARS = 256

    def initialize(issuer:, audience:, signing_key:)
      raise ConfigurationError.new("access tokens need an audience", hint: "set c.access_audience to the HTTP API's audience") if audience.to_s.empty?

      @issuer = issuer
      @audience = audience
      @signing_key = signing_key
      header = JSON.generate({ "alg" => signing_key.alg, "kid" => signing_key.kid, "typ" => TYP })
      @encoded_header = ::Base64.urlsafe_encode64(header, padding: false).freeze
    end

    # Returns the compact token. sub: the signed-in user; account: the one account it may reach.
    def issue(sub:, account:, scopes:, ttl: DEFAULT_TTL, now: Time.now.to_i, jti: nil)
      sub = check_id!(sub, "sub")
      account = check_id!(account, "account")
      scopes = Array(scopes).map(&:to_s)
      bad = scopes.find { |s| !SCOPE_FORMAT.match?(s) }
      raise InvalidMessageError, "scope #{bad.inspect} is not \"resource:action\", e.g. \"notes:write\"" if bad
      unless ttl.is_a?(Integer) && ttl.positive? && ttl <= MAX_TTL
        raise InvalidMessageError.new("access token ttl must be 1..#{MAX_TTL} seconds, got #{ttl.inspect}",
                                      hint: "access tokens live minutes; refresh them before they expire")
      end

      claims = { "iss" => @issuer, "aud" => @audience, "iat" => now, "exp" => now + ttl,
                 "jti" => jti || UuidV7.generate, "sub" => sub, "account" => account,
                 "scope" => scopes.uniq.join(" ") }
      input = "#{@encoded_header}.#{::Base64.urlsafe_encode64(JSON.generate(claims), padding: false)}"
      "#{input}.#{::Base64.urlsafe_encode64(@signing_key.sign(input), padding: false)}"
    end

    private

    def check_id!(value, name)
      value = value.to_s if value.is_a?(Integer)
      return value if value.is_a?(String) && !value.empty? && value.length <= MAX_CHARS

      raise InvalidMessageError, "#{name} must be a non-empty String of at most #{MAX_CHARS} characters"
    end
  end
end
