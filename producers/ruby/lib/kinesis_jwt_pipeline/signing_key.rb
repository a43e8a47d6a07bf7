# frozen_string_literal: true

require "base64"
require "json"
require "openssl"
require "pathname"
require "jwt"

module KinesisJwtPipeline
  # A private JWK (EC P-256 for ES256, OKP Ed25519 for EdDSA) loaded from a Hash or a JSON file, and the
  # primitive that signs a JWS signing input with it. The public half is what goes in the consumer's JWKS.
  class SigningKey
    PRIVATE_MEMBERS = %w[d p q dp dq qi oth k].freeze
    ALGORITHMS = { "EC" => "ES256", "OKP" => "EdDSA" }.freeze

    attr_reader :kid, :alg, :jwk

    # source: a Hash (string or symbol keys), a path to a JSON JWK file, or a JSON string.
    # Errors never carry the source's text: JSON parser messages quote the input (the private `d` with it), a
    # JSON string mistaken for a path would be echoed as the path, and Ruby prints an error's cause too, so
    # the parser's error is not kept as the cause.
    def self.load(source)
      return source if source.is_a?(SigningKey)

      hash =
        case source
        when Hash then source
        when String, Pathname then parse(source)
        else
          raise ConfigurationError.new("signing_key must be a JWK Hash or a path to a JWK JSON file, got #{source.class}",
                                       hint: "c.signing_key = Rails.root.join(\"config/kjp/signing-key.json\")")
        end
      raise ConfigurationError.new("signing key is not a JSON object", hint: KEY_FILE_HINT) unless hash.is_a?(Hash)

      new(hash)
    end

    KEY_FILE_HINT = "the key must be one JSON JWK (a file path, a JSON string or a Hash)"

    def self.parse(source)
      inline = source.to_s.lstrip.start_with?("{", "[")
      text = inline ? source.to_s : read_key_file(source)
      begin
        JSON.parse(text)
      rescue JSON::ParserError
        where = inline ? "the signing key given as a JSON string" : "the signing key file"
        raise ConfigurationError.new("#{where} is not valid JSON", hint: KEY_FILE_HINT), cause: nil
      end
    end

    def self.read_key_file(source)
      File.read(source.to_s)
    rescue SystemCallError => e
      # the path is named only when it looks like one: a key pasted with a typo must not be echoed as a "path"
      path = source.to_s
      shown = path.length <= 256 && path.match?(%r{\A[\w./~ -]+\z}) && !path.include?("{") ? " #{path}" : ""
      raise ConfigurationError.new("cannot read the signing key file#{shown} (#{e.class.name.split('::').last})",
                                   hint: KEY_FILE_HINT), cause: nil
    end
    private_class_method :parse, :read_key_file

    # Generates a fresh private JWK, for `rake kinesis_jwt_pipeline:generate_key` and tests.
    def self.generate(alg: "ES256", kid: nil)
      kid ||= "#{alg.downcase}-#{Time.now.utc.strftime('%Y%m%d%H%M%S')}"
      case alg
      when "ES256"
        key = OpenSSL::PKey::EC.generate("prime256v1")
        point = key.public_key.to_octet_string(:uncompressed)
        new("kty" => "EC", "crv" => "P-256", "x" => b64(point[1, 32]), "y" => b64(point[33, 32]),
            "d" => b64(key.private_key.to_s(2).rjust(32, "\0")), "kid" => kid, "alg" => "ES256")
      when "EdDSA"
        require_rbnacl!
        sk = RbNaCl::Signatures::Ed25519::SigningKey.generate
        new("kty" => "OKP", "crv" => "Ed25519", "x" => b64(sk.verify_key.to_bytes), "d" => b64(sk.to_bytes),
            "kid" => kid, "alg" => "EdDSA")
      else
        raise ConfigurationError, "unsupported algorithm #{alg.inspect} (ES256 or EdDSA)"
      end
    end

    def self.b64(bytes)
      ::Base64.urlsafe_encode64(bytes, padding: false)
    end

    def self.require_rbnacl!
      require "rbnacl"
    rescue LoadError
      raise ConfigurationError.new("EdDSA needs the rbnacl gem (and libsodium)",
                                   hint: "add gem \"rbnacl\" or use an ES256 (EC P-256) key")
    end

    def initialize(hash)
      @jwk = hash.transform_keys(&:to_s).freeze
      @kid = @jwk["kid"]
      raise ConfigurationError.new("signing key has no kid", hint: "every JWK needs a kid") if @kid.nil? || @kid.empty?

      @alg = ALGORITHMS[@jwk["kty"]] or raise ConfigurationError, "unsupported key type #{@jwk['kty'].inspect} (EC or OKP)"
      if @jwk["alg"] && @jwk["alg"] != @alg
        raise ConfigurationError, "key #{@kid}: alg #{@jwk['alg']} does not match kty #{@jwk['kty']} (expected #{@alg})"
      end
      raise ConfigurationError, "key #{@kid} has no private member d: that is a public key" unless @jwk["d"]

      @key = build_key
    rescue ConfigurationError
      raise
    rescue StandardError => e
      # OpenSSL and base64 errors say nothing secret today; their messages are still not passed on
      raise ConfigurationError.new("key #{@kid}: not a usable #{@alg} private key (#{e.class.name})",
                                   hint: "check the JWK's x, y and d members"), cause: nil
    end

    # The JWK the consumer trusts: the same members minus the private ones, with alg filled in.
    def public_jwk
      pub = @jwk.reject { |k, _| PRIVATE_MEMBERS.include?(k) }
      pub["alg"] ||= @alg
      pub
    end

    # Signature bytes (ES256: 64-byte R||S as JWS requires, not DER) over the ASCII signing input.
    def sign(signing_input)
      Jws.sign(@alg, signing_input, @key)
    end

    def inspect
      "#<#{self.class.name} kid=#{@kid.inspect} alg=#{@alg}>" # never the private members
    end
    alias to_s inspect

    private

    def build_key
      case @alg
      when "ES256"
        raise ConfigurationError, "key #{@kid}: crv must be P-256" unless @jwk["crv"] == "P-256"

        key = JWT::JWK.import(@jwk.transform_keys(&:to_sym)).keypair
        check_pair(key.public_key == key.group.generator.mul(key.private_key))
        key
      when "EdDSA"
        raise ConfigurationError, "key #{@kid}: crv must be Ed25519" unless @jwk["crv"] == "Ed25519"

        self.class.require_rbnacl!
        key = RbNaCl::Signatures::Ed25519::SigningKey.new(::Base64.urlsafe_decode64(pad(@jwk["d"])))
        check_pair(self.class.b64(key.verify_key.to_bytes) == @jwk["x"])
        key
      end
    end

    # A d that does not belong to x (and y) would sign tokens that the published public key never verifies.
    def check_pair(matches)
      return if matches

      raise ConfigurationError.new("key #{@kid}: the private member d does not match the public x/y",
                                   hint: "the JWK's members come from different keys; export the key again")
    end

    def pad(s)
      s + ("=" * ((4 - (s.length % 4)) % 4))
    end
  end

  # The only place that reaches into the jwt gem's signing primitives, whose module moved between releases.
  module Jws
    module_function

    def sign(alg, signing_input, key)
      if defined?(::JWT::JWA) && ::JWT::JWA.respond_to?(:resolve)
        ::JWT::JWA.resolve(alg).sign(data: signing_input, signing_key: key)
      else
        ::JWT::Signature.sign(alg, signing_input, key)
      end
    end

    def verify(alg, signing_input, signature, key)
      if defined?(::JWT::JWA) && ::JWT::JWA.respond_to?(:resolve)
        ::JWT::JWA.resolve(alg).verify(data: signing_input, signature: signature, verification_key: key)
      else
        ::JWT::Signature.verify(alg, key, signing_input, signature)
      end
    rescue ::JWT::VerificationError, ::JWT::DecodeError, OpenSSL::PKey::PKeyError
      false
    end
  end
end
