# frozen_string_literal: true

module KinesisJwtPipeline
  # Writes the events an operator must see (spilled, dropped, error, journal_resent) to a Logger, one line
  # each with counts and reasons. Never the records: their tokens carry the payload. The Railtie attaches it
  # to Rails.logger; plain Ruby apps may call KinesisJwtPipeline.log_to(logger).
  class EventLog
    LEVELS = { "spilled" => :warn, "dropped" => :error, "error" => :error, "journal_resent" => :info }.freeze
    SAMPLE = 5 # jtis named per line, enough to find them in the journal or the consumer's ledger

    def initialize(logger)
      @logger = logger
    end

    def attach(events)
      LEVELS.keys.map { |name| events.subscribe(name) { |event, payload| write(event, payload) } }
    end

    def write(event, payload)
      @logger.public_send(LEVELS.fetch(event), line(event, payload))
    end

    private

    def line(event, payload)
      parts = ["[kinesis_jwt_pipeline] #{event}"]
      parts << "count=#{payload[:count]}" if payload[:count]
      parts << "reason=#{payload[:reason]}" if payload[:reason]
      parts << "where=#{payload[:where]}" if payload[:where]
      parts << "error=#{payload[:error].class.name}: #{payload[:message]}" if payload[:error]
      parts << "path=#{payload[:path]}" if payload[:path]
      jtis = Array(payload[:jtis])
      parts << "jtis=#{jtis.first(SAMPLE).join(',')}#{jtis.size > SAMPLE ? ",…(+#{jtis.size - SAMPLE})" : ''}" unless jtis.empty?
      parts.join(" ")
    end
  end
end
