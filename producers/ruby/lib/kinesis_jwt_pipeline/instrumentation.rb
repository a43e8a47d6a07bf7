# frozen_string_literal: true

module KinesisJwtPipeline
  # Events: "published", "acknowledged", "retried", "spilled", "dropped", "error" (plus "journal_resent").
  # Forwarded to ActiveSupport::Notifications as "<event>.kinesis_jwt_pipeline" when it is loaded, and
  # always to the gem's own subscribers (KinesisJwtPipeline.subscribe), so plain Ruby apps get them too.
  # A subscriber that raises never breaks publishing: its error is swallowed after a warning.
  class Instrumentation
    EVENTS = %w[published acknowledged retried spilled dropped error journal_resent].freeze
    NAMESPACE = "kinesis_jwt_pipeline"

    def initialize
      @subscribers = [] # copy-on-write: readers never lock
      @lock = Mutex.new
    end

    # event: one of EVENTS, or nil for all. Returns a handle for #unsubscribe.
    def subscribe(event = nil, &block)
      raise ArgumentError, "unknown event #{event.inspect} (#{EVENTS.join(', ')})" if event && !EVENTS.include?(event.to_s)

      entry = [event&.to_s, block]
      @lock.synchronize { @subscribers = @subscribers + [entry] }
      entry
    end

    def unsubscribe(handle)
      @lock.synchronize { @subscribers = @subscribers.reject { |e| e.equal?(handle) } }
    end

    def instrument(event, payload = {})
      subs = @subscribers
      notify_active_support(event, payload)
      subs.each do |(name, block)|
        next if name && name != event

        begin
          block.call(event, payload)
        rescue StandardError => e
          warn "[kinesis_jwt_pipeline] subscriber for #{event} raised #{e.class}: #{e.message}"
        end
      end
    end

    # Whether anyone would see `event`: lets the hot path skip building a payload nobody reads.
    def listening?(event)
      @subscribers.any? { |(name, _)| name.nil? || name == event } ||
        (active_support? && ::ActiveSupport::Notifications.notifier.listening?("#{event}.#{NAMESPACE}"))
    end

    def active_support?
      defined?(::ActiveSupport::Notifications) ? true : false
    end

    private

    def notify_active_support(event, payload)
      return unless active_support?

      ::ActiveSupport::Notifications.instrument("#{event}.#{NAMESPACE}", payload)
    rescue StandardError => e
      warn "[kinesis_jwt_pipeline] ActiveSupport subscriber for #{event} raised #{e.class}: #{e.message}"
    end
  end
end
