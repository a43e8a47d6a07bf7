# frozen_string_literal: true

require "base64"
require "json"

module KinesisJwtPipeline
  # Builds contract v1 messages (docs/contract.md): header {"alg","kid","typ"} and the claims in the order of
  # lib/envelope/types.ts (iss, aud, iat, exp, jti, type, v, data, sub), so both producers emit the same bytes.
  class Envelope
    TYPE_FORMAT = /\A[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\z/.freeze
    TYP = "kjp+jwt"
    # Kinesis: partition key + data of one record at most 1 MiB.
    MAX_RECORD_BYTES = 1_048_576
    MAX_PARTITION_KEY_CHARS = 256
    MAX_TYPE_CHARS = 128 # lib/envelope/limits.ts
    MAX_SUB_CHARS = 256

    attr_reader :signing_key

    def initialize(issuer:, audience:, signing_key:, ttl:, schema_validator: nil)
      @issuer = issuer
      @audience = audience
      @signing_key = signing_key
      @ttl = Integer(ttl)
      @schema_validator = schema_validator
      header = JSON.generate({ "alg" => signing_key.alg, "kid" => signing_key.kid, "typ" => TYP })
      @encoded_header = ::Base64.urlsafe_encode64(header, padding: false).freeze
    end

    # jti: only to reproduce a known message (test vectors); normally a fresh UUIDv7.
    def build(type, data, partition_key:, sub: nil, v: 1, now: Time.now.to_i, jti: nil)
      sub = sub.to_s if sub.is_a?(Integer) # account.id: the contract's sub is a string
      partition_key = partition_key.to_s if partition_key.is_a?(Integer)
      validate!(type, data, partition_key, sub, v)
      jti ||= UuidV7.generate
      claims = { "iss" => @issuer, "aud" => @audience, "iat" => now, "exp" => now + @ttl, "jti" => jti,
                 "type" => type, "v" => v, "data" => data }
      claims["sub"] = sub unless sub.nil?
      payload = ::Base64.urlsafe_encode64(JSON.generate(claims), padding: false)
      message = Message.new(partition_key: partition_key, signing_input: "#{@encoded_header}.#{payload}",
                            type: type, jti: jti, signer: @signing_key)
      if message.bytesize > MAX_RECORD_BYTES
        raise MessageTooLargeError.new(
          "#{type} message is #{message.bytesize} bytes (partition key + token); Kinesis accepts at most #{MAX_RECORD_BYTES}",
          hint: "send a reference (e.g. an S3 key or a database id) in data instead of the content itself"
        )
      end
      message
    end

    # Signed at once: for publish!, the outbox and tests, where the token is needed on the calling thread.
    def sign(type, data, **kw)
      message = build(type, data, **kw)
      message.token
      message
    end

    private

    def validate!(type, data, partition_key, sub, v)
      unless type.is_a?(String) && type.length <= MAX_TYPE_CHARS && TYPE_FORMAT.match?(type)
        raise InvalidMessageError, "type #{type.inspect} must be lowercase and dotted, e.g. \"contact.upserted\""
      end
      raise InvalidMessageError, "v must be a positive Integer, got #{v.inspect}" unless v.is_a?(Integer) && v.positive?
      raise InvalidMessageError, "data must be a Hash (a JSON object), got #{data.class}" unless data.is_a?(Hash)
      unless sub.nil? || (sub.is_a?(String) && !sub.empty? && sub.length <= MAX_SUB_CHARS)
        raise InvalidMessageError, "sub must be a non-empty String of at most #{MAX_SUB_CHARS} characters when given"
      end
      unless partition_key.is_a?(String) && !partition_key.empty? && partition_key.length <= MAX_PARTITION_KEY_CHARS
        raise InvalidMessageError, "partition_key must be a non-empty String of at most 256 characters " \
                                   "(got #{partition_key.inspect[0, 40]}); pass partition_key: account.id.to_s"
      end
      @schema_validator&.validate!(type, v, data)
    end
  end
end
