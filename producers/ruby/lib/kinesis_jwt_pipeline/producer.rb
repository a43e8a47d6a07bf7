# frozen_string_literal: true

require_relative "monotonic_clock"

module KinesisJwtPipeline
  # The per-process publishing machinery: envelope (caller thread), bounded queue, worker thread, journal.
  # Created lazily and re-created after fork (PID check), so a Puma/Sidekiq child never shares its parent's
  # thread, queue or connections.
  class Producer
    include MonotonicClock

    # idle: nothing started in this process yet. running: a worker runs (in the process that started it; a
    # forked child sees running with another PID and starts its own). closing: close/close! in progress,
    # publish refused. closed: for good.
    STATES = {
      idle: %i[running closing],
      running: %i[running closing], # running -> running: a forked child starts its own worker
      closing: %i[closed],
      closed: []
    }.freeze

    attr_reader :config, :events, :envelope

    def initialize(config, events: Instrumentation.new)
      @config = config.validate!
      @events = events
      @signing_key = SigningKey.load(config.signing_key)
      validator = config.validate_with ? SchemaValidator.new(config.validate_with) : nil
      @envelope = Envelope.new(issuer: config.issuer, audience: config.audience, signing_key: @signing_key,
                               ttl: config.ttl, schema_validator: validator)
      @lock = Mutex.new
      @pid = nil
      @lifecycle = Lifecycle.new(STATES, :idle)
    end

    # Returns the message's jti at once; the record is signed and sent by the worker.
    def publish(type, data, partition_key:, sub: nil, v: 1)
      raise ClosedError, "KinesisJwtPipeline is closed" if @lifecycle.in?(:closing, :closed)

      message = @envelope.build(type, data, partition_key: partition_key.to_s, sub: sub, v: v)
      start_if_needed
      if @queue.push(message, policy: @config.when_full, timeout: @config.block_timeout)
        if @events.listening?("published")
          @events.instrument("published", type: type, jti: message.jti, partition_key: message.partition_key,
                                          bytesize: message.bytesize)
        end
      else
        @events.instrument("dropped", count: 1, reason: :queue_full, jtis: [message.jti],
                                      records: [{ partition_key: message.partition_key, data: message.token }])
      end
      message.jti
    end

    # Signs and sends on the calling thread, retrying failed attempts until `timeout` seconds have passed.
    # Not ordered relative to records still queued by #publish for the same key.
    def publish!(type, data, partition_key:, sub: nil, v: 1, timeout: 5.0)
      message = @envelope.sign(type, data, partition_key: partition_key.to_s, sub: sub, v: v)
      deadline = monotonic + timeout
      attempt = 0
      loop do
        result = PutRecords.call(client, @config.stream_name, [message])
        unless result.acked.empty?
          _, seq, shard = result.acked.first
          @events.instrument("acknowledged", count: 1, records: [{ jti: message.jti, type: type, partition_key: message.partition_key, sequence_number: seq, shard_id: shard }])
          return { jti: message.jti, sequence_number: seq, shard_id: shard }
        end
        attempt += 1
        _, code, text = result.failed.first
        delay = Backoff.delay(@config, attempt)
        if monotonic + delay >= deadline
          raise DeliveryError.new("#{type} #{message.jti} not acknowledged within #{timeout}s (last error #{code}: #{text})",
                                  failed: [message.jti], hint: "use publish (queued, spilled to the journal) or the outbox")
        end
        @events.instrument("retried", count: 1, error_codes: { code => 1 }, attempts: attempt)
        sleep delay
      end
    end

    # Waits until everything published before the call is acknowledged or spilled. true, or false on timeout.
    def flush(timeout = @config.shutdown_timeout)
      return true unless started?
      return off_trap { flush(timeout) } if trap_context?

      seq = @queue.last_seq
      @queue.wakeup
      @worker.wait_settled(seq, monotonic + timeout)
    end

    # Flushes with a deadline, then stops the worker. Whatever could not be sent by then is spilled to the
    # journal (or reported by a "dropped" event when there is none). true when everything was delivered.
    def close(timeout = @config.shutdown_timeout)
      return off_trap { close(timeout) } if trap_context?

      @lock.synchronize do
        return true if @lifecycle.in?(:closed)

        started = started?
        @lifecycle.to!(:closing)
        return finish_close(true) unless started

        deadline = monotonic + timeout
        @worker.begin_close(deadline)
        # grace beyond the deadline: the worker spills at the deadline itself; only a call stuck in the
        # network would keep it longer, and then we save its records here
        unless @worker.thread.join(timeout + 1.0)
          @spiller.call(@worker.abort! + @queue.drain_all, :shutdown_deadline)
          @worker.thread.join(0.1)
          return finish_close(false)
        end
        finish_close(!@worker.outage? && !@worker.undelivered?)
      end
    end

    # Stops at once: nothing more is sent; everything unsent goes to the journal.
    def close!
      return off_trap { close! } if trap_context?

      @lock.synchronize do
        return true if @lifecycle.in?(:closed)

        started = started?
        @lifecycle.to!(:closing)
        if started
          @queue.close
          @spiller.call(@worker.abort! + @queue.drain_all, :close!)
          @worker.thread.join(0.5)
        end
        finish_close(true)
      end
    end

    def closed?
      @lifecycle.in?(:closing, :closed)
    end

    # :idle, :running, :closing or :closed (running means: in the process that started the worker).
    def state
      @lifecycle.state
    end

    # Queue depth and what the worker holds; `spilled` counts journal lines (reads the files).
    def depth(include_journal: false)
      return { queued: 0, queued_bytes: 0, in_worker: 0, outage: false } unless started?

      d = { queued: @queue.size, queued_bytes: @queue.bytes, in_worker: @worker.pending_count, outage: @worker.outage? }
      d[:spilled] = @journal ? @journal.depth : 0 if include_journal
      d
    end

    def started?
      @pid == Process.pid && !@lifecycle.in?(:idle)
    end

    def client
      @client = nil unless @client_pid == Process.pid
      @client ||= begin
        @client_pid = Process.pid
        KinesisClientFactory.build(@config.kinesis_client)
      end
    end

    private

    def start_if_needed
      return if @pid == Process.pid # fast path: no lock on every publish

      @lock.synchronize do
        return if @pid == Process.pid
        raise ClosedError, "KinesisJwtPipeline is closed" if @lifecycle.in?(:closing, :closed)

        # After fork: the parent's queue, thread and journal file belong to the parent; start fresh.
        @queue = BoundedQueue.new(max_count: @config.max_queue, max_bytes: @config.max_queue_bytes,
                                  wake_at: @config.max_batch_records)
        @journal = @config.journal_path ? Journal.new(@config.journal_path) : nil
        @spiller = Spiller.new(journal: @journal, events: @events)
        @worker = Worker.new(config: @config, queue: @queue, client: client, journal: @journal, spiller: @spiller,
                             events: @events).start
        register_at_exit
        @pid = Process.pid
        @lifecycle.to!(:running)
      end
    end

    def finish_close(result)
      @journal&.close if @pid == Process.pid
      @pid = nil
      @lifecycle.to!(:closed)
      result
    end

    def register_at_exit
      return unless @config.flush_at_exit

      producer = self
      pid = Process.pid
      at_exit { producer.close if Process.pid == pid && !producer.closed? }
    end

    # Mutex#lock raises in a signal handler; the work is handed to a thread, which may lock, and joined.
    def trap_context?
      Mutex.new.synchronize { false }
    rescue ThreadError
      true
    end

    def off_trap(&block)
      Thread.new(&block).value
    end
  end
end
