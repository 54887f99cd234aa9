import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/**
 * A button that opens a panel below it (menus, the period picker). Escape or a click outside closes it and gives
 * focus back to the button; Tab out of the panel closes it too.
 */
export function Popover({
  label,
  buttonContent,
  buttonClassName,
  children,
  align = 'start',
  panelClassName,
  open: controlledOpen,
  onOpenChange,
}: {
  /** Accessible name of the button when its content is not enough. */
  label?: string;
  buttonContent: ReactNode;
  buttonClassName?: string;
  children: (close: () => void) => ReactNode;
  align?: 'start' | 'end';
  panelClassName?: string;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
}) {
  const [uncontrolled, setUncontrolled] = useState(false);
  const open = controlledOpen ?? uncontrolled;
  const setOpen = (next: boolean) => {
    setUncontrolled(next);
    onOpenChange?.(next);
  };
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: the listeners only need re-binding when it opens or closes
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: closes the panel when focus leaves it; not an interaction
    <div
      className="popover"
      ref={wrapper}
      onBlur={(event) => {
        if (open && event.relatedTarget && !wrapper.current?.contains(event.relatedTarget as Node)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className={buttonClassName ?? 'btn btn-secondary'}
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={label}
        onClick={() => setOpen(!open)}
      >
        {buttonContent}
      </button>
      {open ? (
        <div id={panelId} className={`popover-panel popover-${align} ${panelClassName ?? ''}`}>
          {children(close)}
        </div>
      ) : null}
    </div>
  );
}
