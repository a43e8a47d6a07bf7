# frozen_string_literal: true

module KinesisJwtPipeline
  # One state value with named states and the transitions allowed between them, instead of loose booleans
  # that can contradict each other (closed but flushing, aborted but closing). Reads need no lock (a
  # reference read); transitions are checked and made under one.
  class Lifecycle
    # A transition the owner's design does not allow: a bug in the gem, never a user error.
    class InvalidTransition < StandardError; end

    attr_reader :state

    # transitions: { state => [states it may move to] }; every state must be a key.
    def initialize(transitions, initial)
      @transitions = transitions.transform_values(&:freeze).freeze
      raise ArgumentError, "unknown initial state #{initial.inspect}" unless @transitions.key?(initial)

      @state = initial
      @lock = Mutex.new
    end

    def in?(*states)
      states.include?(@state)
    end

    # Moves to `to` or raises InvalidTransition.
    def to!(to)
      move(to) or raise InvalidTransition, "#{@state} -> #{to} is not allowed"
    end

    # Moves to `to` when allowed; returns whether it did (for transitions that may race, e.g. abort vs stop).
    def move(to)
      raise ArgumentError, "unknown state #{to.inspect}" unless @transitions.key?(to)

      @lock.synchronize do
        return false unless @transitions.fetch(@state).include?(to)

        @state = to
        true
      end
    end
  end
end
