# frozen_string_literal: true

require "json"

module KinesisJwtPipeline
  # Optional producer-side check of `data` against the JSON Schemas exported from schemas/ (the consumer's Zod
  # schemas stay the authority). Covers the subset of JSON Schema that Zod's export produces for plain
  # objects; unknown keywords are ignored rather than guessed at. Files are looked up as
  # <dir>/<type>.v<N>.json, <dir>/<type>@<N>.json or <dir>/<type>/v<N>.json.
  class SchemaValidator
    def initialize(dir)
      @dir = dir.to_s
      raise ConfigurationError, "validate_with: #{@dir} is not a directory" unless File.directory?(@dir)

      @cache = {}
      @lock = Mutex.new
    end

    def validate!(type, v, data)
      schema = schema_for(type, v)
      errors = []
      check(JSON.parse(JSON.generate(data)), schema, "data", errors)
      return if errors.empty?

      raise InvalidMessageError.new("#{type} v#{v} does not match its schema: #{errors.first(5).join('; ')}",
                                    code: "invalid_payload")
    end

    private

    def schema_for(type, v)
      @lock.synchronize do
        @cache[[type, v]] ||= begin
          path = ["#{type}.v#{v}.json", "#{type}@#{v}.json", File.join(type, "v#{v}.json")]
                 .map { |name| File.join(@dir, name) }.find { |p| File.file?(p) }
          raise InvalidMessageError.new("no schema for #{type} v#{v} in #{@dir}", code: "unknown_type") unless path

          JSON.parse(File.read(path))
        end
      end
    end

    TYPES = {
      "object" => ->(x) { x.is_a?(Hash) }, "array" => ->(x) { x.is_a?(Array) },
      "string" => ->(x) { x.is_a?(String) }, "integer" => ->(x) { x.is_a?(Integer) },
      "number" => ->(x) { x.is_a?(Numeric) }, "boolean" => ->(x) { x == true || x == false },
      "null" => ->(x) { x.nil? }
    }.freeze

    def check(value, schema, path, errors)
      return unless schema.is_a?(Hash)

      if (types = schema["type"])
        unless Array(types).any? { |t| TYPES.fetch(t, ->(_) { true }).call(value) }
          return errors << "#{path}: expected #{Array(types).join(' or ')}"
        end
      end
      errors << "#{path}: must be one of #{schema['enum'].inspect}" if schema.key?("enum") && !schema["enum"].include?(value)
      errors << "#{path}: must equal #{schema['const'].inspect}" if schema.key?("const") && schema["const"] != value
      %w[anyOf oneOf].each do |kw|
        next unless schema[kw]

        ok = schema[kw].count { |s| e = []; check(value, s, path, e); e.empty? }
        errors << "#{path}: matches none of #{kw}" if ok.zero?
      end
      schema["allOf"]&.each { |s| check(value, s, path, errors) }
      case value
      when Hash then check_object(value, schema, path, errors)
      when Array then check_array(value, schema, path, errors)
      when String then check_string(value, schema, path, errors)
      when Numeric then check_number(value, schema, path, errors)
      end
    end

    def check_object(value, schema, path, errors)
      (schema["required"] || []).each { |k| errors << "#{path}.#{k}: required" unless value.key?(k) }
      props = schema["properties"] || {}
      value.each do |k, v|
        if props.key?(k)
          check(v, props[k], "#{path}.#{k}", errors)
        elsif schema["additionalProperties"] == false
          errors << "#{path}.#{k}: not allowed"
        elsif schema["additionalProperties"].is_a?(Hash)
          check(v, schema["additionalProperties"], "#{path}.#{k}", errors)
        end
      end
    end

    def check_array(value, schema, path, errors)
      errors << "#{path}: at least #{schema['minItems']} items" if schema["minItems"] && value.size < schema["minItems"]
      errors << "#{path}: at most #{schema['maxItems']} items" if schema["maxItems"] && value.size > schema["maxItems"]
      value.each_with_index { |v, i| check(v, schema["items"], "#{path}[#{i}]", errors) } if schema["items"].is_a?(Hash)
    end

    def check_string(value, schema, path, errors)
      errors << "#{path}: shorter than #{schema['minLength']}" if schema["minLength"] && value.length < schema["minLength"]
      errors << "#{path}: longer than #{schema['maxLength']}" if schema["maxLength"] && value.length > schema["maxLength"]
      errors << "#{path}: does not match #{schema['pattern']}" if schema["pattern"] && !Regexp.new(schema["pattern"]).match?(value)
    end

    def check_number(value, schema, path, errors)
      errors << "#{path}: below #{schema['minimum']}" if schema["minimum"] && value < schema["minimum"]
      errors << "#{path}: above #{schema['maximum']}" if schema["maximum"] && value > schema["maximum"]
      if schema["exclusiveMinimum"].is_a?(Numeric) && value <= schema["exclusiveMinimum"]
        errors << "#{path}: must be above #{schema['exclusiveMinimum']}"
      end
      if schema["exclusiveMaximum"].is_a?(Numeric) && value >= schema["exclusiveMaximum"]
        errors << "#{path}: must be below #{schema['exclusiveMaximum']}"
      end
    end
  end
end
